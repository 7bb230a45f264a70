//! JSON paths for error and warning messages, built without allocating until printed.

use std::fmt;

/// A location inside a JSON document: `data[3].participations[0].hours`.
#[derive(Debug, Clone, Copy)]
pub enum JsonPath<'a> {
    /// The document itself (`$`).
    Root,
    /// A key of an object at a path.
    Key(&'a JsonPath<'a>, &'a str),
    /// An element of an array at a path.
    Index(&'a JsonPath<'a>, usize),
}

impl<'a> JsonPath<'a> {
    /// The path of `key` in the object at this path.
    pub fn key(&'a self, key: &'a str) -> JsonPath<'a> {
        JsonPath::Key(self, key)
    }

    /// The path of element `index` of the array at this path.
    pub fn index(&'a self, index: usize) -> JsonPath<'a> {
        JsonPath::Index(self, index)
    }
}

impl fmt::Display for JsonPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonPath::Root => f.write_str("$"),
            JsonPath::Key(JsonPath::Root, key) => f.write_str(key),
            JsonPath::Key(parent, key) => write!(f, "{parent}.{key}"),
            JsonPath::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_print_like_javascript_accessors() {
        let root = JsonPath::Root;
        let data = root.key("data");
        let third = data.index(3);
        let hours = third.key("hours");
        assert_eq!(hours.to_string(), "data[3].hours");
        assert_eq!(root.to_string(), "$");
    }
}
