//! What a query asks of each table it reads: the columns it filters by equality or by range,
//! and the columns it orders or groups by, read from its SQL with sqlparser.

use crate::introspect::Schema;
use schema_core::Dialect;
use sqlparser::ast::{
    BinaryOperator, Expr, GroupByExpr, Ident, ObjectName, OrderByKind, OrderBySort, Query, Select,
    SetExpr, Statement, TableFactor, TableWithJoins, Visit, Visitor,
};
use sqlparser::dialect::{PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;
use std::collections::HashMap;
use std::ops::ControlFlow;

/// One table a query reads, under one name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TableUse {
    /// The table, as the model names it.
    pub table: String,
    /// The name the query reads it under (its alias, or its own name), as the database's plan
    /// shows it.
    pub shown_as: String,
    /// Columns compared with `=`, `IN` or `IS NULL` to a parameter, a constant or a column of
    /// an enclosing query.
    pub eq: Vec<String>,
    /// Columns compared with `=` to a column of another table of the same `FROM`.
    pub joins: Vec<String>,
    /// Columns compared with `<`, `>`, `<=`, `>=` or `BETWEEN`.
    pub range: Vec<String>,
    /// The `ORDER BY` of its query, when every term is a column of this table: `(column,
    /// descending)`.
    pub order: Option<Vec<(String, bool)>>,
    /// The `GROUP BY` of its query, when every term is a column of this table.
    pub group: Option<Vec<String>>,
}

/// Reads `sql` as `dialect` and says what it asks of each table of `schema` it reads; `Err`
/// with the parser's message when it is not read.
pub(crate) fn analyze(
    sql: &str,
    dialect: Dialect,
    schema: &Schema,
) -> Result<Vec<TableUse>, String> {
    let statements = match dialect {
        Dialect::Postgres => Parser::parse_sql(&PostgreSqlDialect {}, sql),
        _ => Parser::parse_sql(&SQLiteDialect {}, sql),
    }
    .map_err(|e| e.to_string())?;
    let mut reader = Reader {
        schema,
        fold: dialect != Dialect::Postgres,
        frames: Vec::new(),
        orders: HashMap::new(),
        uses: Vec::new(),
    };
    for statement in &statements {
        let _ = statement.visit(&mut reader);
    }
    Ok(reader.uses)
}

/// The tables of one `FROM` (or of an `UPDATE`/`DELETE`), each an index into `uses` or
/// `None` for a view, a CTE or a subquery; keyed by the name the query uses.
struct Frame {
    entries: Vec<(String, Option<usize>)>,
}

struct Reader<'s> {
    schema: &'s Schema,
    /// SQLite: names compare without regard to ASCII case.
    fold: bool,
    frames: Vec<Frame>,
    /// The `ORDER BY` of a query, keyed by the address of the `SELECT` that is its body.
    orders: HashMap<usize, Vec<(Expr, bool)>>,
    uses: Vec<TableUse>,
}

/// Where a column of an expression comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// A table of the current frame: its use and the column.
    Here(usize, String),
    /// A table of an enclosing query (a correlated subquery's outer row).
    Outer,
    /// An enclosing query's table, a view's or a subquery's column, or an unknown name.
    Elsewhere,
}

impl Reader<'_> {
    /// An identifier as the database folds it: SQLite in lower case; PostgreSQL unquoted in
    /// lower case, quoted as written.
    fn name(&self, ident: &Ident) -> String {
        if self.fold || ident.quote_style.is_none() {
            ident.value.to_lowercase()
        } else {
            ident.value.clone()
        }
    }

    /// A table name as the model writes it (`schema.table` outside `public`).
    fn table_name(&self, name: &ObjectName) -> String {
        let parts: Vec<String> = name
            .0
            .iter()
            .filter_map(|p| p.as_ident())
            .map(|i| self.name(i))
            .collect();
        match parts.as_slice() {
            [schema, table] if schema == "public" || schema == "main" => table.clone(),
            _ => parts.join("."),
        }
    }

    /// The frame of `from`: each table read, under its alias or name.
    fn frame(&mut self, from: &[TableWithJoins]) -> (Frame, Vec<Expr>) {
        let mut frame = Frame {
            entries: Vec::new(),
        };
        let mut conditions = Vec::new();
        for twj in from {
            self.factor(&twj.relation, &mut frame, &mut conditions);
            for join in &twj.joins {
                self.factor(&join.relation, &mut frame, &mut conditions);
                if let Some(sqlparser::ast::JoinConstraint::On(on)) = join_constraint(join) {
                    conditions.push(on.clone());
                }
            }
        }
        (frame, conditions)
    }

    fn factor(&mut self, factor: &TableFactor, frame: &mut Frame, conditions: &mut Vec<Expr>) {
        match factor {
            TableFactor::Table { name, alias, .. } => {
                let table = self.table_name(name);
                let shown = match alias {
                    Some(alias) => self.name(&alias.name),
                    None => name
                        .0
                        .last()
                        .and_then(|p| p.as_ident())
                        .map_or_else(|| table.clone(), |i| self.name(i)),
                };
                let known = self.schema.tables.iter().any(|t| t.name == table);
                let index = known.then(|| {
                    self.uses.push(TableUse {
                        table: table.clone(),
                        shown_as: shown.clone(),
                        ..TableUse::default()
                    });
                    self.uses.len() - 1
                });
                frame.entries.push((shown, index));
            }
            TableFactor::Derived {
                alias: Some(alias), ..
            } => {
                frame.entries.push((self.name(&alias.name), None));
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                let (inner, more) = self.frame(std::slice::from_ref(table_with_joins));
                frame.entries.extend(inner.entries);
                conditions.extend(more);
                if let Some(alias) = alias {
                    frame.entries.push((self.name(&alias.name), None));
                }
            }
            _ => {}
        }
    }

    /// The columns of the table a use reads.
    fn has_column(&self, use_index: usize, column: &str) -> bool {
        let table = &self.uses[use_index].table;
        self.schema
            .tables
            .iter()
            .find(|t| &t.name == table)
            .is_some_and(|t| t.columns.iter().any(|c| c.name == column))
    }

    /// Where the column `parts` (`col`, `alias.col`, `schema.table.col`) comes from, looked up
    /// from the innermost frame out.
    fn origin(&self, parts: &[Ident]) -> Origin {
        let Some((column, qualifier)) = parts.split_last() else {
            return Origin::Elsewhere;
        };
        let column = self.name(column);
        for (depth, frame) in self.frames.iter().enumerate().rev() {
            let here = depth + 1 == self.frames.len();
            let found = if qualifier.is_empty() {
                let mut with_it = frame
                    .entries
                    .iter()
                    .filter(|(_, u)| u.is_some_and(|u| self.has_column(u, &column)));
                match (with_it.next(), with_it.next()) {
                    (Some((_, u)), None) => Some(*u),
                    _ => None,
                }
            } else {
                let wanted = qualifier
                    .iter()
                    .map(|i| self.name(i))
                    .collect::<Vec<_>>()
                    .join(".");
                frame
                    .entries
                    .iter()
                    .find(|(name, u)| {
                        *name == wanted || u.is_some_and(|u| self.uses[u].table == wanted)
                    })
                    .map(|(_, u)| *u)
            };
            match found {
                Some(Some(u)) if here => return Origin::Here(u, column),
                Some(Some(_)) => return Origin::Outer,
                Some(None) => return Origin::Elsewhere,
                None => {}
            }
        }
        Origin::Elsewhere
    }

    /// The column `expr` is, when it is a bare column of the current frame.
    fn column_here(&self, expr: &Expr) -> Option<(usize, String)> {
        let origin = match expr {
            Expr::Identifier(ident) => self.origin(std::slice::from_ref(ident)),
            Expr::CompoundIdentifier(parts) => self.origin(parts),
            Expr::Nested(inner) => return self.column_here(inner),
            _ => return None,
        };
        match origin {
            Origin::Here(u, column) => Some((u, column)),
            Origin::Outer | Origin::Elsewhere => None,
        }
    }

    /// Whether `expr` is a column of an enclosing query's table.
    fn outer_column(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Identifier(ident) => self.origin(std::slice::from_ref(ident)) == Origin::Outer,
            Expr::CompoundIdentifier(parts) => self.origin(parts) == Origin::Outer,
            Expr::Nested(inner) => self.outer_column(inner),
            _ => false,
        }
    }

    /// The tables of the current frame `expr` reads (its columns that resolve here).
    fn reads_here(&self, expr: &Expr) -> Vec<usize> {
        struct Columns<'a, 'b> {
            reader: &'a Reader<'b>,
            found: Vec<usize>,
        }
        impl Visitor for Columns<'_, '_> {
            type Break = ();
            fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
                if let Some((u, _)) = self.reader.column_here(expr) {
                    self.found.push(u);
                }
                ControlFlow::Continue(())
            }
        }
        let mut columns = Columns {
            reader: self,
            found: Vec::new(),
        };
        let _ = expr.visit(&mut columns);
        columns.found
    }

    /// Records what one condition of the current frame asks.
    fn condition(&mut self, expr: &Expr) {
        match expr {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                self.condition(left);
                self.condition(right);
            }
            Expr::Nested(inner) => self.condition(inner),
            Expr::BinaryOp { left, op, right } => {
                let range = matches!(
                    op,
                    BinaryOperator::Lt
                        | BinaryOperator::Gt
                        | BinaryOperator::LtEq
                        | BinaryOperator::GtEq
                );
                if !(range || *op == BinaryOperator::Eq) {
                    return;
                }
                for (this, other) in [(left, right), (right, left)] {
                    let Some((u, column)) = self.column_here(this) else {
                        continue;
                    };
                    let others = self.reads_here(other);
                    // A correlated subquery's equality with its outer row is a join: the
                    // planner may turn it into one.
                    let target = if others.is_empty() && !range && self.outer_column(other) {
                        &mut self.uses[u].joins
                    } else if others.is_empty() {
                        if range {
                            &mut self.uses[u].range
                        } else {
                            &mut self.uses[u].eq
                        }
                    } else if !range && !others.contains(&u) {
                        &mut self.uses[u].joins
                    } else {
                        continue;
                    };
                    push_new(target, column);
                }
            }
            Expr::IsNull(inner) => {
                if let Some((u, column)) = self.column_here(inner) {
                    push_new(&mut self.uses[u].eq, column);
                }
            }
            Expr::In {
                expr,
                negated: false,
                ..
            } => {
                if let Some((u, column)) = self.column_here(expr) {
                    push_new(&mut self.uses[u].eq, column);
                }
            }
            Expr::Between {
                expr,
                negated: false,
                low,
                high,
            } => {
                if let Some((u, column)) = self.column_here(expr) {
                    if self.reads_here(low).is_empty() && self.reads_here(high).is_empty() {
                        push_new(&mut self.uses[u].range, column);
                    }
                }
            }
            _ => {}
        }
    }

    /// The table of the current frame every one of `exprs` is a column of, with the columns.
    fn one_table(&self, exprs: &[&Expr]) -> Option<(usize, Vec<String>)> {
        let mut table = None;
        let mut columns = Vec::new();
        for expr in exprs {
            let (u, column) = self.column_here(expr)?;
            if table.is_some_and(|t| t != u) {
                return None;
            }
            table = Some(u);
            columns.push(column);
        }
        table.map(|t| (t, columns))
    }

    fn select(&mut self, select: &Select) {
        let (frame, mut conditions) = self.frame(&select.from);
        self.frames.push(frame);
        conditions.extend(select.selection.iter().cloned());
        for condition in &conditions {
            self.condition(condition);
        }
        let key = select as *const Select as usize;
        if let Some(order) = self.orders.remove(&key) {
            let exprs: Vec<&Expr> = order.iter().map(|(e, _)| e).collect();
            if let Some((u, columns)) = self.one_table(&exprs) {
                let terms = columns
                    .into_iter()
                    .zip(order.iter().map(|(_, desc)| *desc))
                    .collect();
                self.uses[u].order = Some(terms);
            }
        }
        if let GroupByExpr::Expressions(exprs, _) = &select.group_by {
            let exprs: Vec<&Expr> = exprs.iter().collect();
            if let Some((u, columns)) = self.one_table(&exprs) {
                self.uses[u].group = Some(columns);
            }
        }
    }
}

fn join_constraint(join: &sqlparser::ast::Join) -> Option<&sqlparser::ast::JoinConstraint> {
    use sqlparser::ast::JoinOperator as J;
    match &join.join_operator {
        J::Join(c)
        | J::Inner(c)
        | J::Left(c)
        | J::LeftOuter(c)
        | J::Right(c)
        | J::RightOuter(c)
        | J::FullOuter(c)
        | J::Semi(c)
        | J::LeftSemi(c)
        | J::RightSemi(c)
        | J::Anti(c)
        | J::LeftAnti(c)
        | J::RightAnti(c)
        | J::StraightJoin(c) => Some(c),
        _ => None,
    }
}

fn push_new(list: &mut Vec<String>, column: String) {
    if !list.contains(&column) {
        list.push(column);
    }
}

impl Visitor for Reader<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let (SetExpr::Select(select), Some(order)) = (&*query.body, &query.order_by) {
            if let OrderByKind::Expressions(terms) = &order.kind {
                let terms = terms
                    .iter()
                    .map(|t| {
                        (
                            t.expr.clone(),
                            matches!(t.options.sort, Some(OrderBySort::Desc)),
                        )
                    })
                    .collect();
                self.orders
                    .insert(&**select as *const Select as usize, terms);
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<()> {
        self.select(select);
        ControlFlow::Continue(())
    }

    fn post_visit_select(&mut self, _select: &Select) -> ControlFlow<()> {
        self.frames.pop();
        ControlFlow::Continue(())
    }

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<()> {
        let (from, selection) = match statement {
            Statement::Update(update) => {
                let mut from = vec![update.table.clone()];
                if let Some(
                    sqlparser::ast::UpdateTableFromKind::BeforeSet(more)
                    | sqlparser::ast::UpdateTableFromKind::AfterSet(more),
                ) = &update.from
                {
                    from.extend(more.iter().cloned());
                }
                (from, update.selection.clone())
            }
            Statement::Delete(delete) => {
                let (sqlparser::ast::FromTable::WithFromKeyword(from)
                | sqlparser::ast::FromTable::WithoutKeyword(from)) = &delete.from;
                let mut from = from.clone();
                from.extend(delete.using.iter().flatten().cloned());
                (from, delete.selection.clone())
            }
            _ => return ControlFlow::Continue(()),
        };
        let (frame, mut conditions) = self.frame(&from);
        self.frames.push(frame);
        conditions.extend(selection);
        for condition in &conditions {
            self.condition(condition);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_statement(&mut self, statement: &Statement) -> ControlFlow<()> {
        if matches!(statement, Statement::Update(_) | Statement::Delete(_)) {
            self.frames.pop();
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::introspect::{Column, Table};

    fn schema() -> Schema {
        let table = |name: &str, columns: &[&str]| Table {
            name: name.to_owned(),
            columns: columns
                .iter()
                .map(|c| Column {
                    name: c.to_string(),
                    ..Column::default()
                })
                .collect(),
            ..Table::default()
        };
        Schema {
            tables: vec![
                table("users", &["id", "email"]),
                table("posts", &["id", "user_id", "title", "updated_at", "score"]),
            ],
            ..Schema::default()
        }
    }

    fn uses(sql: &str) -> Vec<TableUse> {
        analyze(sql, Dialect::Sqlite, &schema()).unwrap()
    }

    #[test]
    fn reads_equalities_then_the_order() {
        let found = uses("SELECT * FROM posts p WHERE p.user_id = ? ORDER BY updated_at DESC");
        assert_eq!(found[0].shown_as, "p");
        assert_eq!(found[0].eq, vec!["user_id"]);
        assert_eq!(found[0].order, Some(vec![("updated_at".to_owned(), true)]));
    }

    #[test]
    fn tells_joins_from_filters_and_outer_columns_from_joins() {
        let found = uses(
            "SELECT * FROM users u JOIN posts p ON p.user_id = u.id WHERE u.email = $1 AND p.score > 3",
        );
        assert_eq!(found[0].eq, vec!["email"]);
        assert_eq!(found[0].joins, vec!["id"]);
        assert_eq!(found[1].joins, vec!["user_id"]);
        assert_eq!(found[1].range, vec!["score"]);
        let correlated = uses(
            "SELECT * FROM users WHERE EXISTS (SELECT 1 FROM posts WHERE posts.user_id = users.id)",
        );
        assert_eq!(correlated[1].joins, vec!["user_id"]);
        assert!(correlated[1].eq.is_empty());
    }

    #[test]
    fn reads_updates_deletes_in_lists_and_between() {
        let found =
            uses("UPDATE posts SET title = ? WHERE title IN (?, ?) AND score BETWEEN 1 AND 2");
        assert_eq!(found[0].eq, vec!["title"]);
        assert_eq!(found[0].range, vec!["score"]);
        let found = uses("DELETE FROM posts WHERE user_id IS NULL");
        assert_eq!(found[0].eq, vec!["user_id"]);
    }

    #[test]
    fn an_order_over_two_tables_or_an_expression_belongs_to_none() {
        let found = uses(
            "SELECT * FROM users u JOIN posts p ON p.user_id = u.id ORDER BY u.email, p.title",
        );
        assert!(found.iter().all(|u| u.order.is_none()));
        let found = uses("SELECT * FROM posts ORDER BY lower(title)");
        assert_eq!(found[0].order, None);
    }

    #[test]
    fn refuses_what_does_not_parse() {
        assert!(analyze("SELEC nothing", Dialect::Sqlite, &schema()).is_err());
    }
}
