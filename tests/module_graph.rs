//! The engine's modules import each other one way: the graph of
//! dependencies between the top-level modules of `sim/src` (an edge A → B
//! for each path of a module under A that names an item under B) has no
//! cycle. ARCHITECTURE.md ("Module layers inside the engine") lists the
//! layers this graph follows.
//!
//! The module tree is read as rustc reads it: from `lib.rs`, following
//! `mod name;` declarations (with their `#[path]`) and inline `mod` blocks.
//! Paths are taken from `use` trees, from every path in items, types and
//! expressions (through syn's visitor), and from the tokens of macro
//! invocations; `crate::…`, `super::…` and `self::…` are resolved against
//! the module they appear in. Test modules count: a test of one layer may
//! not reach into a layer above it either.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// One dependency: the module it comes from, the path that makes it, and
/// where that path is written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Evidence {
    file: String,
    line: usize,
    path: String,
}

/// Edges between top-level modules, each with the first place that makes it.
type Graph = BTreeMap<String, BTreeMap<String, Evidence>>;

/// The module graph of the crate whose root is `lib`.
fn module_graph(lib: &Path) -> Graph {
    let text = std::fs::read_to_string(lib).expect("read lib.rs");
    let file = syn::parse_file(&text).expect("lib.rs parses");
    let mut reader = Reader {
        graph: Graph::new(),
        top_modules: BTreeSet::new(),
        root_items: BTreeMap::new(),
        base: lib.parent().expect("lib.rs has a directory").to_path_buf(),
    };
    // The crate root's own modules and re-exports (`pub use engine::Simulation`
    // makes `crate::Simulation` a path into `engine`).
    for item in &file.items {
        match item {
            syn::Item::Mod(m) => {
                reader.top_modules.insert(m.ident.to_string());
            }
            syn::Item::Use(u) => {
                let mut leaves = Vec::new();
                use_leaves(&u.tree, &mut Vec::new(), &mut leaves);
                for segments in leaves {
                    if let (Some(first), Some(last)) = (segments.first(), segments.last()) {
                        reader.root_items.insert(last.clone(), first.clone());
                    }
                }
            }
            _ => {}
        }
    }
    reader.items(&file.items, &[], lib, true);
    reader.graph
}

struct Reader {
    graph: Graph,
    top_modules: BTreeSet<String>,
    /// Names the crate root re-exports, and the module each comes from.
    root_items: BTreeMap<String, String>,
    base: PathBuf,
}

impl Reader {
    /// Reads the items of module `module` (its path from the crate root),
    /// written in `file`; `owns_dir` is whether `file` is a `lib.rs`/`mod.rs`
    /// (whose child files sit beside it rather than in a directory named
    /// after it).
    fn items(&mut self, items: &[syn::Item], module: &[String], file: &Path, owns_dir: bool) {
        for item in items {
            if let syn::Item::Mod(m) = item {
                let mut child = module.to_vec();
                child.push(m.ident.to_string());
                match &m.content {
                    Some((_, inner)) => self.items(inner, &child, file, owns_dir),
                    None => {
                        let (path, owns) = child_file(file, owns_dir, m);
                        let text = std::fs::read_to_string(&path)
                            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
                        let parsed = syn::parse_file(&text)
                            .unwrap_or_else(|e| panic!("{} parses: {e}", path.display()));
                        self.items(&parsed.items, &child, &path, owns);
                    }
                }
                continue;
            }
            if module.is_empty() {
                continue; // the crate root re-exports; it is no module's dependency
            }
            let mut paths = Paths::default();
            paths.visit_item(item);
            for (segments, line) in paths.found {
                if let Some(target) = self.resolve(module, &segments) {
                    if target != module[0] {
                        let evidence = Evidence {
                            file: self.relative(file),
                            line,
                            path: segments.join("::"),
                        };
                        self.graph
                            .entry(module[0].clone())
                            .or_default()
                            .entry(target)
                            .and_modify(|e| {
                                if evidence < *e {
                                    *e = evidence.clone()
                                }
                            })
                            .or_insert(evidence);
                    }
                }
            }
        }
    }

    /// The top-level module a path written in `module` names, if it names
    /// one (paths that start with a local or external name stay inside the
    /// module or leave the crate).
    fn resolve(&self, module: &[String], segments: &[String]) -> Option<String> {
        let mut at: Vec<String> = match segments.first().map(String::as_str) {
            Some("crate") => Vec::new(),
            Some("self") | Some("super") => module.to_vec(),
            _ => return None,
        };
        let mut rest = if segments[0] == "crate" {
            &segments[1..]
        } else {
            segments
        };
        while let Some(first) = rest.first() {
            match first.as_str() {
                "self" => {}
                "super" => {
                    at.pop();
                }
                _ => break,
            }
            rest = &rest[1..];
        }
        if let Some(top) = at.first() {
            return Some(top.clone());
        }
        let name = rest.first()?;
        if self.top_modules.contains(name) {
            Some(name.clone())
        } else {
            self.root_items.get(name).cloned()
        }
    }

    fn relative(&self, file: &Path) -> String {
        let dir = self.base.parent().unwrap_or(&self.base);
        file.strip_prefix(dir).unwrap_or(file).display().to_string()
    }
}

/// The file of `mod name;` declared in `file`, as rustc finds it, and
/// whether that file owns its directory.
fn child_file(file: &Path, owns_dir: bool, m: &syn::ItemMod) -> (PathBuf, bool) {
    let dir = file.parent().expect("a source file has a directory");
    for attr in &m.attrs {
        if attr.path().is_ident("path") {
            if let syn::Meta::NameValue(nv) = &attr.meta {
                if let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &nv.value
                {
                    return (dir.join(s.value()), true);
                }
            }
        }
    }
    let dir = if owns_dir {
        dir.to_path_buf()
    } else {
        dir.join(file.file_stem().expect("a file name"))
    };
    let name = m.ident.to_string();
    let flat = dir.join(format!("{name}.rs"));
    if flat.exists() {
        (flat, false)
    } else {
        (dir.join(name).join("mod.rs"), true)
    }
}

/// Every full path of a `use` tree.
fn use_leaves(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_leaves(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix.clone();
            path.push(n.ident.to_string());
            out.push(path);
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            path.push(r.ident.to_string());
            out.push(path);
        }
        syn::UseTree::Glob(_) => {
            let mut path = prefix.clone();
            path.push("*".into());
            out.push(path);
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_leaves(t, prefix, out);
            }
        }
    }
}

/// The paths of one item, with their lines.
#[derive(Default)]
struct Paths {
    found: Vec<(Vec<String>, usize)>,
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut leaves = Vec::new();
        use_leaves(&u.tree, &mut Vec::new(), &mut leaves);
        let line = u.use_token.span.start().line;
        self.found.extend(leaves.into_iter().map(|p| (p, line)));
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segments = p.segments.iter().map(|s| s.ident.to_string()).collect();
        let line = p
            .segments
            .first()
            .map_or(0, |s| s.ident.span().start().line);
        self.found.push((segments, line));
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.visit_path(&m.path);
        macro_paths(m.tokens.clone(), &mut self.found);
    }
}

/// Paths that start with `crate`, `super` or `self` in a macro's tokens.
fn macro_paths(tokens: TokenStream, out: &mut Vec<(Vec<String>, usize)>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Group(g) => macro_paths(g.stream(), out),
            TokenTree::Ident(id)
                if matches!(id.to_string().as_str(), "crate" | "super" | "self") =>
            {
                let line = id.span().start().line;
                let mut path = vec![id.to_string()];
                let mut j = i + 1;
                // `::` is two `:` puncts, then an identifier.
                loop {
                    match (tokens.get(j), tokens.get(j + 1), tokens.get(j + 2)) {
                        (
                            Some(TokenTree::Punct(a)),
                            Some(TokenTree::Punct(b)),
                            Some(TokenTree::Ident(next)),
                        ) if a.as_char() == ':' && b.as_char() == ':' => {
                            path.push(next.to_string());
                            j += 3;
                        }
                        _ => break,
                    }
                }
                if path.len() > 1 {
                    out.push((path, line));
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

/// A cycle of the graph, as its modules in order (the first repeated last),
/// if there is one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = stack.iter().position(|n| n == node).expect("on the stack");
                let mut cycle = stack[start..].to_vec();
                cycle.push(node.to_string());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.to_string(), Mark::Open);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flat_map(|e| e.keys()) {
            if let Some(cycle) = visit(next, graph, marks, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        marks.insert(node.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut marks, &mut Vec::new()) {
            return Some(cycle);
        }
    }
    None
}

/// The cycle with, for each edge, the place that makes it.
fn describe(cycle: &[String], graph: &Graph) -> String {
    let mut out = format!("module cycle: {}\n", cycle.join(" → "));
    for pair in cycle.windows(2) {
        let e = &graph[&pair[0]][&pair[1]];
        out.push_str(&format!(
            "  {} → {}: {}:{} uses `{}`\n",
            pair[0], pair[1], e.file, e.line, e.path
        ));
    }
    out
}

fn engine_lib() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sim/src/lib.rs")
}

#[test]
fn the_engines_modules_import_each_other_one_way() {
    let graph = module_graph(&engine_lib());
    if let Some(cycle) = find_cycle(&graph) {
        panic!("{}", describe(&cycle, &graph));
    }
}

#[test]
fn the_module_graph_sees_the_engines_known_dependencies() {
    // The reader must see the imports it is meant to judge: a few that the
    // engine cannot do without, each made in a different way (a `use` of
    // `crate::…`, a `super::*` glob in a `#[path]` child of `engine`, a
    // path inside an expression).
    let graph = module_graph(&engine_lib());
    let has = |from: &str, to: &str| graph.get(from).is_some_and(|e| e.contains_key(to));
    for (from, to) in [
        ("engine", "agents"),
        ("engine", "governance"),
        ("engine", "world"),
        ("scenario", "agents"),
        ("reward", "ledger"),
        ("agents", "world"),
    ] {
        assert!(has(from, to), "{from} → {to} not seen: {graph:#?}");
    }
    assert!(
        graph.len() >= 12,
        "{} modules with dependencies",
        graph.len()
    );
}

/// Writes a small crate into a temporary directory: `files` are paths
/// under `src/` with their text.
fn tiny_crate(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let path = dir.path().join("src").join(path);
        std::fs::create_dir_all(path.parent().expect("a directory")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

#[test]
fn a_cycle_between_two_modules_is_found_whichever_way_it_is_written() {
    // `b` reaches `a` through a `use`, a `super::` path in a child file, a
    // path in an expression, a re-export of the crate root, or a macro's
    // tokens; `a` imports `b` plainly. Each must close the cycle.
    let lib = "pub mod a;\npub mod b;\npub use a::Thing;\n";
    let a = "use crate::b::Other;\npub struct Thing;\n";
    for b in [
        "pub struct Other;\nuse crate::a::Thing;\n",
        "pub struct Other;\nmod inner;\n",
        "pub struct Other;\nfn f() { let _ = crate::a::Thing; }\n",
        "pub struct Other;\nfn f() -> crate::Thing { todo!() }\n",
        "pub struct Other;\nfn f() { let _ = vec![crate::a::Thing]; }\n",
        "pub struct Other;\n#[cfg(test)]\nmod tests { use super::super::a::Thing; }\n",
    ] {
        let dir = tiny_crate(&[
            ("lib.rs", lib),
            ("a.rs", a),
            ("b.rs", b),
            ("b/inner.rs", "use super::super::a::Thing;\n"),
        ]);
        let graph = module_graph(&dir.path().join("src/lib.rs"));
        let cycle =
            find_cycle(&graph).unwrap_or_else(|| panic!("no cycle found in {b:?}: {graph:?}"));
        assert_eq!(cycle.first(), cycle.last());
        assert!(describe(&cycle, &graph).contains("a → b"), "{cycle:?}");
    }
}

#[test]
fn one_way_imports_and_local_names_make_no_cycle() {
    let dir = tiny_crate(&[
        (
            "lib.rs",
            "pub mod a;\npub mod b;\n#[path = \"c_impl.rs\"]\npub mod c;\n",
        ),
        (
            "a.rs",
            "use crate::b::Other;\nmod tests { use super::*; }\n",
        ),
        (
            "b.rs",
            "pub struct Other;\nuse std::fmt;\nuse self::x::Y;\nmod x { pub struct Y; }\n",
        ),
        ("c_impl.rs", "use crate::a;\nuse crate::b::Other;\n"),
    ]);
    let graph = module_graph(&dir.path().join("src/lib.rs"));
    assert_eq!(find_cycle(&graph), None, "{graph:?}");
    let edges: Vec<(&str, &str)> = graph
        .iter()
        .flat_map(|(from, to)| to.keys().map(move |t| (from.as_str(), t.as_str())))
        .collect();
    assert_eq!(edges, [("a", "b"), ("c", "a"), ("c", "b")]);
}
