//! The expression language of the `formula` scheme: its grammar (parsed
//! once per run by winnow's Pratt parser into a syntax tree), name
//! resolution against the per-member values a reward context offers,
//! constant folding, and the compiled form — a postfix program over an
//! `f64` stack that is evaluated once per member without re-parsing and
//! without allocating (the stack is reused across members).
//!
//! Grammar, loosest binding first:
//!
//! | operators                     | associativity                          |
//! |-------------------------------|----------------------------------------|
//! | `< <= > >= == !=` (1 or 0)    | none: `a < b < c` is a syntax error    |
//! | `+ -`                         | left                                   |
//! | `* /`                         | left                                   |
//! | unary `-`                     | prefix                                 |
//! | `^`                           | right: `2 ^ 3 ^ 2` = 2 ^ 9             |
//!
//! so `-2 ^ 2` = −(2²) = −4 and `2 ^ -1` = 0.5. Operands are numbers
//! (`3`, `0.5`, `1e-3`), names (`work`, `failures`, `stake`, `reputation`,
//! `usage`, `epoch`), parenthesised expressions and calls: `sqrt(x)`,
//! `ln(x)`, `exp(x)`, `abs(x)`, `min(a, b, ...)`, `max(a, b, ...)` and
//! `if(cond, a, b)`, which is `a` when `cond` is neither 0 nor NaN and `b`
//! otherwise (both branches are evaluated; only the chosen one matters).
//! Arithmetic is IEEE-754 `f64`: `1 / 0` is infinite and `sqrt(-1)` NaN.

use std::ops::Range;

use winnow::ascii::{digit0, digit1, multispace0};
use winnow::combinator::{
    alt, cut_err, delimited, expression, fail, opt, preceded, separated, terminated, Infix, Prefix,
};
use winnow::error::{ContextError, ErrMode, StrContext, StrContextValue};
use winnow::prelude::*;
use winnow::stream::{LocatingSlice, Stateful};
use winnow::token::{one_of, take_while};

/// A per-member value an expression may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Var {
    Work,
    Failures,
    Stake,
    Reputation,
    Usage,
    Epoch,
}

impl Var {
    pub const COUNT: usize = 6;
    pub const ALL: [Var; Var::COUNT] = [
        Var::Work,
        Var::Failures,
        Var::Stake,
        Var::Reputation,
        Var::Usage,
        Var::Epoch,
    ];

    /// The name expressions use.
    pub fn name(self) -> &'static str {
        match self {
            Var::Work => "work",
            Var::Failures => "failures",
            Var::Stake => "stake",
            Var::Reputation => "reputation",
            Var::Usage => "usage",
            Var::Epoch => "epoch",
        }
    }

    /// Its slot in the values passed to `Program::eval`.
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    fn from_name(name: &str) -> Option<Var> {
        Var::ALL.into_iter().find(|v| v.name() == name)
    }
}

/// The functions, with the number of arguments each takes (`None`: two or
/// more).
const FUNCTIONS: &[(&str, Option<usize>)] = &[
    ("sqrt", Some(1)),
    ("ln", Some(1)),
    ("exp", Some(1)),
    ("min", None),
    ("max", None),
    ("abs", Some(1)),
    ("if", Some(3)),
];

/// The names an expression may use, for messages.
pub fn known_names() -> String {
    let vars: Vec<&str> = Var::ALL.iter().map(|v| v.name()).collect();
    let funcs: Vec<&str> = FUNCTIONS.iter().map(|f| f.0).collect();
    format!(
        "names: {}; functions: {}",
        vars.join(", "),
        funcs.join(", ")
    )
}

/// A problem in an expression: a message and the byte offset in the
/// expression where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub offset: usize,
    pub message: String,
}

impl ExprError {
    /// The 1-based column (in characters) of the problem in `text`.
    pub fn column(&self, text: &str) -> usize {
        let at = self.offset.min(text.len());
        text.char_indices().take_while(|(i, _)| *i < at).count() + 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    Min,
    Max,
}

impl Bin {
    #[inline]
    fn apply(self, a: f64, b: f64) -> f64 {
        let truth = |c: bool| if c { 1.0 } else { 0.0 };
        match self {
            Bin::Add => a + b,
            Bin::Sub => a - b,
            Bin::Mul => a * b,
            Bin::Div => a / b,
            Bin::Pow => a.powf(b),
            Bin::Lt => truth(a < b),
            Bin::Le => truth(a <= b),
            Bin::Gt => truth(a > b),
            Bin::Ge => truth(a >= b),
            Bin::Eq => truth(a == b),
            Bin::Ne => truth(a != b),
            // NaN-propagating, unlike f64::min/max, so that a NaN argument
            // is reported rather than silently dropped.
            Bin::Min => {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.min(b)
                }
            }
            Bin::Max => {
                if a.is_nan() || b.is_nan() {
                    f64::NAN
                } else {
                    a.max(b)
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Un {
    Neg,
    /// `x ^ 2`, as `x * x` (the correctly rounded square, like `powf`).
    Square,
    Sqrt,
    Ln,
    Exp,
    Abs,
}

impl Un {
    #[inline]
    fn apply(self, x: f64) -> f64 {
        match self {
            Un::Neg => -x,
            Un::Square => x * x,
            Un::Sqrt => x.sqrt(),
            Un::Ln => x.ln(),
            Un::Exp => x.exp(),
            Un::Abs => x.abs(),
        }
    }
}

#[inline]
fn choose(cond: f64, a: f64, b: f64) -> f64 {
    if cond != 0.0 && !cond.is_nan() {
        a
    } else {
        b
    }
}

// ---------------------------------------------------------------- parsing

/// The syntax tree, names unresolved (kept as spans of the text).
#[derive(Debug, Clone)]
enum Ast {
    Num(f64),
    Name(Range<usize>),
    Call(Range<usize>, Vec<Ast>),
    Neg(Box<Ast>),
    Bin(Bin, Box<Ast>, Box<Ast>),
}

/// The parser's input: the text with offsets, and the current nesting of
/// parentheses, unary minus and powers (the parser's recursion), bounded
/// so that no expression can exhaust the stack.
type In<'i> = Stateful<LocatingSlice<&'i str>, u32>;
type Res<T> = ModalResult<T>;

/// Deepest nesting of parentheses, calls, unary minus and `^` accepted.
pub const MAX_DEPTH: u32 = 32;

/// Longest expression accepted, in bytes (which bounds the depth of a
/// chain like `a + b + ...`, and so the recursion of compiling it).
pub const MAX_LEN: usize = 1000;

const CMP: i64 = 1;
const ADD: i64 = 3;
const MUL: i64 = 5;
const NEG: i64 = 7;
const POW: i64 = 9;

const OPERAND: StrContext =
    StrContext::Expected(StrContextValue::Description("a number, a name, `(` or `-`"));

fn bin(op: Bin, a: Ast, b: Ast) -> Ast {
    Ast::Bin(op, Box::new(a), Box::new(b))
}

fn deeper(i: &mut In<'_>) -> Res<()> {
    if i.state >= MAX_DEPTH {
        return cut_err(
            fail.context(StrContext::Expected(StrContextValue::Description(
                "at most 32 nested parentheses, calls, minus signs and powers",
            ))),
        )
        .parse_next(i);
    }
    i.state += 1;
    Ok(())
}

fn shallower(i: &mut In<'_>) {
    i.state = i.state.saturating_sub(1);
}

fn expr(i: &mut In<'_>) -> Res<Ast> {
    expression(operand)
        .prefix(prefix)
        .infix(infix)
        .parse_next(i)
}

fn prefix<'i>(i: &mut In<'i>) -> Res<Prefix<In<'i>, Ast, ErrMode<ContextError>>> {
    delimited(multispace0, '-', multispace0)
        .context(OPERAND)
        .parse_next(i)?;
    deeper(i)?;
    Ok(Prefix(NEG, |i: &mut In<'i>, a| {
        shallower(i);
        Ok(Ast::Neg(Box::new(a)))
    }))
}

fn infix<'i>(i: &mut In<'i>) -> Res<Infix<In<'i>, Ast, ErrMode<ContextError>>> {
    use Infix::{Left, Neither, Right};
    let op = delimited(
        multispace0,
        alt((
            "<=".value(Bin::Le),
            ">=".value(Bin::Ge),
            "==".value(Bin::Eq),
            "!=".value(Bin::Ne),
            '<'.value(Bin::Lt),
            '>'.value(Bin::Gt),
            '+'.value(Bin::Add),
            '-'.value(Bin::Sub),
            '*'.value(Bin::Mul),
            '/'.value(Bin::Div),
            '^'.value(Bin::Pow),
        )),
        multispace0,
    )
    .parse_next(i)?;
    Ok(match op {
        Bin::Add => Left(ADD, |_: &mut In<'i>, a, b| Ok(bin(Bin::Add, a, b))),
        Bin::Sub => Left(ADD, |_: &mut In<'i>, a, b| Ok(bin(Bin::Sub, a, b))),
        Bin::Mul => Left(MUL, |_: &mut In<'i>, a, b| Ok(bin(Bin::Mul, a, b))),
        Bin::Div => Left(MUL, |_: &mut In<'i>, a, b| Ok(bin(Bin::Div, a, b))),
        Bin::Lt => Neither(CMP, |_: &mut In<'i>, a, b| Ok(bin(Bin::Lt, a, b))),
        Bin::Le => Neither(CMP, |_: &mut In<'i>, a, b| Ok(bin(Bin::Le, a, b))),
        Bin::Gt => Neither(CMP, |_: &mut In<'i>, a, b| Ok(bin(Bin::Gt, a, b))),
        Bin::Ge => Neither(CMP, |_: &mut In<'i>, a, b| Ok(bin(Bin::Ge, a, b))),
        Bin::Eq => Neither(CMP, |_: &mut In<'i>, a, b| Ok(bin(Bin::Eq, a, b))),
        Bin::Ne => Neither(CMP, |_: &mut In<'i>, a, b| Ok(bin(Bin::Ne, a, b))),
        // `^` binds tightest of the infix operators, so the Pratt parser
        // never parses one and then gives it back: counting it here is exact.
        Bin::Pow => {
            deeper(i)?;
            Right(POW, |i: &mut In<'i>, a, b| {
                shallower(i);
                Ok(bin(Bin::Pow, a, b))
            })
        }
        // Functions, not operators.
        Bin::Min | Bin::Max => return fail.parse_next(i),
    })
}

fn operand(i: &mut In<'_>) -> Res<Ast> {
    delimited(
        multispace0,
        alt((number, name_or_call, parens)),
        multispace0,
    )
    .parse_next(i)
}

fn exponent(i: &mut In<'_>) -> Res<()> {
    (one_of(['e', 'E']), opt(one_of(['+', '-'])), digit1)
        .void()
        .parse_next(i)
}

fn number(i: &mut In<'_>) -> Res<Ast> {
    alt((
        (digit1, opt(('.', digit0)), opt(exponent)).take(),
        ('.', digit1, opt(exponent)).take(),
    ))
    .try_map(|s: &str| s.parse::<f64>())
    .map(Ast::Num)
    .parse_next(i)
}

fn name_or_call(i: &mut In<'_>) -> Res<Ast> {
    let span = (
        one_of(|c: char| c.is_ascii_alphabetic() || c == '_'),
        take_while(0.., |c: char| c.is_ascii_alphanumeric() || c == '_'),
    )
        .span()
        .parse_next(i)?;
    let args = opt(preceded((multispace0, '('), args)).parse_next(i)?;
    Ok(match args {
        Some(args) => Ast::Call(span, args),
        None => Ast::Name(span),
    })
}

fn args(i: &mut In<'_>) -> Res<Vec<Ast>> {
    deeper(i)?;
    let list = alt((
        (multispace0, ')').map(|_| Vec::new()),
        terminated(
            separated(1.., cut_err(expr), ','),
            cut_err((multispace0, ')')).context(StrContext::Expected(
                StrContextValue::Description("an operator, `,` or `)`"),
            )),
        ),
    ))
    .parse_next(i)?;
    shallower(i);
    Ok(list)
}

fn parens(i: &mut In<'_>) -> Res<Ast> {
    '('.parse_next(i)?;
    deeper(i)?;
    let inner = cut_err(terminated(
        expr,
        (multispace0, ')').context(StrContext::Expected(StrContextValue::Description(
            "an operator or `)`",
        ))),
    ))
    .parse_next(i)?;
    shallower(i);
    Ok(inner)
}

fn parse(text: &str) -> Result<Ast, ExprError> {
    if text.trim().is_empty() {
        return Err(ExprError {
            offset: 0,
            message: "the expression is empty".into(),
        });
    }
    if text.len() > MAX_LEN {
        return Err(ExprError {
            offset: MAX_LEN,
            message: format!(
                "the expression is {} bytes long; at most {MAX_LEN} are accepted",
                text.len()
            ),
        });
    }
    let input = Stateful {
        input: LocatingSlice::new(text),
        state: 0u32,
    };
    expr.parse(input).map_err(|e| {
        let offset = e.offset();
        let expected: Vec<String> = e
            .inner()
            .context()
            .filter_map(|c| match c {
                StrContext::Expected(v) => Some(v.to_string()),
                _ => None,
            })
            .collect();
        let found = match text[offset.min(text.len())..].chars().next() {
            None => "the expression ends early".to_string(),
            Some(c) => format!("unexpected `{c}`"),
        };
        let expected = if expected.is_empty() {
            "an operator or the end of the expression".to_string()
        } else {
            expected.join(" or ")
        };
        ExprError {
            offset,
            message: format!("syntax error: {found}, expected {expected}"),
        }
    })
}

// -------------------------------------------------------------- compiling

/// The tree with names resolved and constants folded.
#[derive(Debug, Clone)]
enum Node {
    Const(f64),
    Var(Var),
    Un(Un, Box<Node>),
    Bin(Bin, Box<Node>, Box<Node>),
    If(Box<Node>, Box<Node>, Box<Node>),
}

fn un(op: Un, a: Node) -> Node {
    match a {
        Node::Const(x) => Node::Const(op.apply(x)),
        a => Node::Un(op, Box::new(a)),
    }
}

fn binary(op: Bin, a: Node, b: Node) -> Node {
    match (a, b) {
        (Node::Const(x), Node::Const(y)) => Node::Const(op.apply(x, y)),
        (a, Node::Const(y)) if op == Bin::Pow && y == 2.0 => un(Un::Square, a),
        (a, b) => Node::Bin(op, Box::new(a), Box::new(b)),
    }
}

fn resolve(ast: &Ast, text: &str) -> Result<Node, ExprError> {
    Ok(match ast {
        Ast::Num(x) => Node::Const(*x),
        Ast::Neg(a) => un(Un::Neg, resolve(a, text)?),
        Ast::Bin(op, a, b) => binary(*op, resolve(a, text)?, resolve(b, text)?),
        Ast::Name(span) => {
            let name = &text[span.clone()];
            match Var::from_name(name) {
                Some(v) => Node::Var(v),
                None => {
                    let message = if FUNCTIONS.iter().any(|f| f.0 == name) {
                        format!("`{name}` is a function: call it as {name}(...)")
                    } else {
                        format!("unknown name `{name}` ({})", known_names())
                    };
                    return Err(ExprError {
                        offset: span.start,
                        message,
                    });
                }
            }
        }
        Ast::Call(span, args) => {
            let name = &text[span.clone()];
            let at = |message: String| ExprError {
                offset: span.start,
                message,
            };
            let Some(&(_, arity)) = FUNCTIONS.iter().find(|f| f.0 == name) else {
                return Err(at(if Var::from_name(name).is_some() {
                    format!("`{name}` is a value, not a function")
                } else {
                    format!("unknown function `{name}` ({})", known_names())
                }));
            };
            match arity {
                Some(n) if args.len() != n => {
                    return Err(at(format!(
                        "{name}() takes {n} argument{}, got {}",
                        if n == 1 { "" } else { "s" },
                        args.len()
                    )))
                }
                None if args.len() < 2 => {
                    return Err(at(format!(
                        "{name}() takes two or more arguments, got {}",
                        args.len()
                    )))
                }
                _ => {}
            }
            let mut nodes = Vec::with_capacity(args.len());
            for a in args {
                nodes.push(resolve(a, text)?);
            }
            let mut nodes = nodes.into_iter();
            let mut next = || nodes.next().unwrap_or(Node::Const(f64::NAN));
            match name {
                "sqrt" => un(Un::Sqrt, next()),
                "ln" => un(Un::Ln, next()),
                "exp" => un(Un::Exp, next()),
                "abs" => un(Un::Abs, next()),
                "if" => {
                    let (c, a, b) = (next(), next(), next());
                    match c {
                        Node::Const(c) => {
                            if choose(c, 1.0, 0.0) == 1.0 {
                                a
                            } else {
                                b
                            }
                        }
                        c => Node::If(Box::new(c), Box::new(a), Box::new(b)),
                    }
                }
                _ => {
                    let op = if name == "min" { Bin::Min } else { Bin::Max };
                    let first = next();
                    let mut acc = first;
                    for n in nodes.by_ref() {
                        acc = binary(op, acc, n);
                    }
                    acc
                }
            }
        }
    })
}

/// One step of a compiled program.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Const(f64),
    Var(Var),
    Un(Un),
    Bin(Bin),
    If,
}

/// Appends `node` in postfix order; returns the stack depth it needs.
fn emit(node: &Node, ops: &mut Vec<Op>) -> usize {
    match node {
        Node::Const(x) => {
            ops.push(Op::Const(*x));
            1
        }
        Node::Var(v) => {
            ops.push(Op::Var(*v));
            1
        }
        Node::Un(op, a) => {
            let d = emit(a, ops);
            ops.push(Op::Un(*op));
            d
        }
        Node::Bin(op, a, b) => {
            let da = emit(a, ops);
            let db = emit(b, ops);
            ops.push(Op::Bin(*op));
            da.max(1 + db)
        }
        Node::If(c, a, b) => {
            let dc = emit(c, ops);
            let da = emit(a, ops);
            let db = emit(b, ops);
            ops.push(Op::If);
            dc.max(1 + da).max(2 + db)
        }
    }
}

/// A compiled expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    ops: Vec<Op>,
    /// Stack slots evaluation needs.
    depth: usize,
    reads: [bool; Var::COUNT],
}

impl Program {
    /// Parses, checks and compiles `text`; an error carries the byte offset
    /// in `text` of the problem.
    pub fn compile(text: &str) -> Result<Self, ExprError> {
        let ast = parse(text)?;
        let node = resolve(&ast, text)?;
        let mut ops = Vec::new();
        let depth = emit(&node, &mut ops);
        let mut reads = [false; Var::COUNT];
        for op in &ops {
            if let Op::Var(v) = op {
                reads[v.index()] = true;
            }
        }
        Ok(Self { ops, depth, reads })
    }

    /// Whether the (folded) expression reads `var`.
    pub fn reads(&self, var: Var) -> bool {
        self.reads[var.index()]
    }

    /// The expression's value when it reads nothing (after folding).
    pub fn constant(&self) -> Option<f64> {
        match self.ops.as_slice() {
            [Op::Const(x)] => Some(*x),
            _ => None,
        }
    }

    /// The variable the expression is, when it is nothing else.
    pub fn as_var(&self) -> Option<Var> {
        match self.ops.as_slice() {
            [Op::Var(v)] => Some(*v),
            _ => None,
        }
    }

    /// Number of steps of the compiled program.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// A stack with room for any evaluation (reuse it across calls).
    pub fn stack(&self) -> Vec<f64> {
        Vec::with_capacity(self.depth)
    }

    /// The value for one member; `vars` holds each `Var` at its `index()`.
    /// `stack` is scratch space (from `stack()`, so it never grows).
    #[inline]
    pub fn eval(&self, vars: &[f64; Var::COUNT], stack: &mut Vec<f64>) -> f64 {
        if let [op] = self.ops.as_slice() {
            // The common one-step programs (`work`, a constant).
            return match *op {
                Op::Var(v) => vars[v.index()],
                Op::Const(x) => x,
                _ => f64::NAN,
            };
        }
        stack.clear();
        for op in &self.ops {
            match *op {
                Op::Const(x) => stack.push(x),
                Op::Var(v) => stack.push(vars[v.index()]),
                Op::Un(u) => {
                    if let Some(x) = stack.last_mut() {
                        *x = u.apply(*x);
                    }
                }
                Op::Bin(b) => {
                    let y = stack.pop().unwrap_or(f64::NAN);
                    if let Some(x) = stack.last_mut() {
                        *x = b.apply(*x, y);
                    }
                }
                Op::If => {
                    let b = stack.pop().unwrap_or(f64::NAN);
                    let a = stack.pop().unwrap_or(f64::NAN);
                    if let Some(c) = stack.last_mut() {
                        *c = choose(*c, a, b);
                    }
                }
            }
        }
        stack.pop().unwrap_or(f64::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(work: f64, failures: f64, stake: f64) -> [f64; Var::COUNT] {
        [work, failures, stake, 0.25, 7.0, 3.0]
    }

    fn eval(text: &str) -> f64 {
        let p = Program::compile(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        let mut stack = p.stack();
        let capacity = stack.capacity();
        let v = p.eval(&vars(10.0, 2.0, 100.0), &mut stack);
        assert_eq!(stack.capacity(), capacity, "{text}: the stack grew");
        v
    }

    fn error(text: &str) -> ExprError {
        match Program::compile(text) {
            Ok(p) => panic!("{text} compiled to {p:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(eval("2 + 3 * 4 ^ 2"), 50.0);
        assert_eq!(eval("-2 ^ 2"), -4.0);
        assert_eq!(eval("(-2) ^ 2"), 4.0);
        assert_eq!(eval("2 ^ -1"), 0.5);
        assert_eq!(eval("2 ^ 3 ^ 2"), 512.0);
        assert_eq!(eval("10 - 4 - 3"), 3.0);
        assert_eq!(eval("24 / 4 / 3"), 2.0);
        assert_eq!(eval("-work - 1"), -11.0);
        assert_eq!(eval("- - 3"), 3.0);
        assert_eq!(eval("2 * (3 + 4)"), 14.0);
        assert_eq!(eval("1 + 2 < 4"), 1.0);
        assert_eq!(eval("1.5e2 + .5"), 150.5);
    }

    #[test]
    fn variables_comparisons_if_and_functions() {
        assert_eq!(eval("work"), 10.0);
        assert_eq!(eval("work * stake"), 1000.0);
        assert_eq!(eval("failures + reputation + usage + epoch"), 12.25);
        for (text, want) in [
            ("work < 10", 0.0),
            ("work <= 10", 1.0),
            ("work > 9", 1.0),
            ("work >= 11", 0.0),
            ("work == 10", 1.0),
            ("work != 10", 0.0),
        ] {
            assert_eq!(eval(text), want, "{text}");
        }
        assert_eq!(eval("if(failures > 0, 0, work)"), 0.0);
        assert_eq!(eval("if(failures > 5, 0, work)"), 10.0);
        assert_eq!(eval("if(0/0, 1, 2)"), 2.0);
        assert_eq!(eval("sqrt(stake)"), 10.0);
        assert_eq!(eval("ln(exp(2))"), 2.0);
        assert_eq!(eval("abs(-3)"), 3.0);
        assert_eq!(eval("min(work, 4, stake)"), 4.0);
        assert_eq!(eval("max(work, 4)"), 10.0);
        assert!(eval("max(0/0, 1)").is_nan());
        assert!(eval("sqrt(-1)").is_nan());
        assert_eq!(eval("1 / 0"), f64::INFINITY);
        assert_eq!(eval("if(work > 0, ln(work), 0)"), 10f64.ln());
    }

    #[test]
    fn constants_are_folded_and_reads_are_reported() {
        let p = Program::compile("2 * 3 + sqrt(16)").expect("valid");
        assert_eq!(p.constant(), Some(10.0));
        let p = Program::compile("if(1, work, reputation)").expect("valid");
        assert_eq!(p.len(), 1);
        assert!(p.reads(Var::Work) && !p.reads(Var::Reputation));
        let p = Program::compile("work * (1 + 2)").expect("valid");
        assert_eq!(p.len(), 3);
        let p = Program::compile("(work + 1) ^ 2").expect("valid");
        assert_eq!(p.len(), 4);
        assert_eq!(p.as_var(), None);
        assert_eq!(
            Program::compile("(work)").expect("valid").as_var(),
            Some(Var::Work)
        );
        let p = Program::compile("usage * reputation ^ 2").expect("valid");
        assert!(p.reads(Var::Usage) && p.reads(Var::Reputation) && !p.reads(Var::Stake));
    }

    #[test]
    fn errors_say_where() {
        let e = error("work +");
        assert_eq!(e.offset, 6);
        assert!(e.message.contains("ends early"), "{}", e.message);
        let e = error("2 + * 3");
        assert_eq!(e.column("2 + * 3"), 5, "{e:?}");
        assert!(e.message.contains("unexpected `*`"), "{}", e.message);
        let e = error("2 3");
        assert_eq!(e.offset, 2);
        let e = error("(work + 1");
        assert_eq!(e.offset, 9);
        assert!(e.message.contains("`)`"), "{}", e.message);
        let e = error("min(work, )");
        assert_eq!(e.offset, 10, "{e:?}");
        let e = error("work < 1 < 2");
        assert_eq!(e.offset, 9, "{e:?}");
        let e = error("work * wrok");
        assert_eq!(e.offset, 7);
        assert!(e.message.contains("unknown name `wrok`"), "{}", e.message);
        assert!(e
            .message
            .contains("work, failures, stake, reputation, usage, epoch"));
        assert!(e.message.contains("sqrt, ln, exp, min, max, abs, if"));
        assert!(error("sqrt").message.contains("is a function"));
        assert!(error("work(1)").message.contains("not a function"));
        assert!(error("foo(1)").message.contains("unknown function `foo`"));
        assert!(error("sqrt(1, 2)")
            .message
            .contains("takes 1 argument, got 2"));
        assert!(error("if(1, 2)")
            .message
            .contains("takes 3 arguments, got 2"));
        assert!(error("max(1)").message.contains("two or more"));
        assert!(error("  ").message.contains("empty"));
        // Columns count characters, not bytes.
        let e = error("é + wrk");
        assert_eq!(e.column("é + wrk"), 1, "{e:?}");
        let e = error("1 + é");
        assert_eq!(e.column("1 + é"), 5, "{e:?}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let ok = format!("{}work{}", "(".repeat(30), ")".repeat(30));
        assert_eq!(eval(&ok), 10.0);
        for deep in [
            format!("{}1{}", "(".repeat(400), ")".repeat(400)),
            format!("{}1", "-".repeat(900)),
            format!("1{}", "^1".repeat(450)),
            format!("{}1{}", "sqrt(".repeat(150), ")".repeat(150)),
        ] {
            let e = error(&deep);
            assert!(e.message.contains("at most 32 nested"), "{}", e.message);
        }
        let e = error(&"(".repeat(100_000));
        assert!(
            e.message.contains("at most 1000 are accepted"),
            "{}",
            e.message
        );
        // The longest flat chains and the deepest nesting accepted compile
        // and evaluate.
        let long = format!("0{}", "+work".repeat(199));
        assert_eq!(eval(&long), 1990.0);
        let long = format!("0{}", "+1".repeat(499));
        assert_eq!(eval(&long), 499.0);
        let nested = format!("{}1{}", "-(".repeat(16), ")".repeat(16));
        assert_eq!(eval(&nested), 1.0);
        let powers = format!("1{}", "^1".repeat(32));
        assert_eq!(eval(&powers), 1.0);
    }
}
