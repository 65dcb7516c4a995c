// Structs, enums, Vec, String and Option, to practise debugging Rust compiled to WebAssembly.
//
// Things to try: break on `find_by_author`, look at `books` and `author`, step through the
// loop, and `finish` to see which `Option<&Book>` comes back.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Genre {
    Fiction,
    Science,
    History,
}

#[derive(Debug)]
struct Book {
    title: String,
    author: String,
    year: u16,
    genre: Genre,
}

fn find_by_author<'a>(books: &'a [Book], author: &str) -> Option<&'a Book> {
    for book in books {
        if book.author == author {
            return Some(book);
        }
    }
    None
}

fn count_genre(books: &[Book], genre: Genre) -> usize {
    let mut count = 0;
    for book in books {
        if book.genre == genre {
            count += 1;
        }
    }
    count
}

fn main() {
    let books = vec![
        Book { title: String::from("Dune"), author: String::from("Herbert"), year: 1965, genre: Genre::Fiction },
        Book { title: String::from("Cosmos"), author: String::from("Sagan"), year: 1980, genre: Genre::Science },
        Book { title: String::from("SPQR"), author: String::from("Beard"), year: 2015, genre: Genre::History },
    ];

    match find_by_author(&books, "Sagan") {
        Some(book) => println!("found {} ({})", book.title, book.year),
        None => println!("not found"),
    }
    let missing = find_by_author(&books, "Tolkien");
    println!("Tolkien found: {}", missing.is_some());
    println!("science books: {}", count_genre(&books, Genre::Science));
}
