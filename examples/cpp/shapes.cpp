// Classes, virtual calls, std::string and std::vector, to practise debugging C++ compiled to
// WebAssembly (built with -fno-exceptions).
//
// Things to try: break on `Rectangle::area`, look at `this`, `name_`, `shapes` and its size,
// step into the virtual `area()` call in `total_area`, and `finish` back to `main`.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

class Shape {
public:
    explicit Shape(std::string name) : name_(std::move(name)) {}
    virtual ~Shape() = default;
    virtual double area() const = 0;
    const std::string &name() const { return name_; }

private:
    std::string name_;
};

class Rectangle : public Shape {
public:
    Rectangle(double width, double height) : Shape("rectangle"), width_(width), height_(height) {}
    double area() const override {
        double result = width_ * height_;
        return result;
    }

private:
    double width_;
    double height_;
};

class Circle : public Shape {
public:
    explicit Circle(double radius) : Shape("circle"), radius_(radius) {}
    double area() const override { return 3.14159 * radius_ * radius_; }

private:
    double radius_;
};

static double total_area(const std::vector<std::unique_ptr<Shape>> &shapes) {
    double total = 0.0;
    for (const auto &shape : shapes) {
        total += shape->area();
    }
    return total;
}

int main() {
    std::vector<std::unique_ptr<Shape>> shapes;
    shapes.push_back(std::make_unique<Rectangle>(3.0, 4.0));
    shapes.push_back(std::make_unique<Circle>(1.0));
    shapes.push_back(std::make_unique<Rectangle>(0.5, 2.0));

    for (const auto &shape : shapes) {
        std::printf("%s: %.2f\n", shape->name().c_str(), shape->area());
    }
    double total = total_area(shapes);
    std::printf("total: %.2f\n", total);
    return 0;
}
