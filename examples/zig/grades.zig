// Structs, slices and optionals, to practise debugging Zig compiled to WebAssembly.
//
// Things to try: break on `average`, look at `students` and `students[1].name`, step through
// the loop, and see what `best` holds after `topStudent` returns. (It prints to stderr:
// std.debug.print is the one printing API that is the same in every recent Zig.)
const std = @import("std");

const Student = struct {
    name: []const u8,
    score: u32,
};

fn average(students: []const Student) f64 {
    var sum: u32 = 0;
    for (students) |student| {
        sum += student.score;
    }
    return @as(f64, @floatFromInt(sum)) / @as(f64, @floatFromInt(students.len));
}

fn topStudent(students: []const Student) ?Student {
    var best: ?Student = null;
    for (students) |student| {
        if (best == null or student.score > best.?.score) {
            best = student;
        }
    }
    return best;
}

pub fn main() void {
    const students = [_]Student{
        .{ .name = "ada", .score = 91 },
        .{ .name = "brian", .score = 78 },
        .{ .name = "grace", .score = 95 },
    };
    const mean = average(&students);
    std.debug.print("average: {d:.1}\n", .{mean});
    if (topStudent(&students)) |best| {
        std.debug.print("top: {s} ({d})\n", .{ best.name, best.score });
    }
}
