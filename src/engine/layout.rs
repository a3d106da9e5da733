//! Layout: containers (pages, sidebar, columns, tabs, expanders) and where each widget goes.
//! Containers are declared with an id and a parent; widgets name their parent in their
//! [`Placement`]. [`build_layout`] turns both into the tree the protocol's `config` carries, so the
//! browser and the native viewer draw the same structure.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::error::{EngineError, EngineResult};
use super::limits::{MAX_LABEL_BYTES, MAX_TABS};
use super::placement::Placement;
use super::spec::WidgetSpec;
use super::validate::check_container_id;

/// Most columns in one `columns` container.
pub const MAX_COLUMNS_PER_ROW: usize = 12;

/// What a container is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ContainerKind {
    /// A page of its own, with its own URL and an entry in the navigation.
    Page {
        /// Shown in the navigation; the URL uses its slug.
        name: String,
    },
    /// The side panel, on every page.
    Sidebar,
    /// A row of columns; `weights` gives their relative widths (and their number).
    Columns {
        /// Relative widths, one per column.
        weights: Vec<f64>,
    },
    /// One column of a `columns` row, in declaration order.
    Column,
    /// A set of tabs, named up front.
    Tabs {
        /// Tab names, in order.
        names: Vec<String>,
    },
    /// One tab of a `tabs` set.
    Tab {
        /// One of the parent's names.
        name: String,
    },
    /// A collapsible section.
    Expander {
        /// Its heading.
        title: String,
        /// Open when the page loads.
        #[serde(default)]
        expanded: bool,
    },
}

impl ContainerKind {
    fn name(&self) -> &'static str {
        match self {
            ContainerKind::Page { .. } => "page",
            ContainerKind::Sidebar => "sidebar",
            ContainerKind::Columns { .. } => "columns",
            ContainerKind::Column => "column",
            ContainerKind::Tabs { .. } => "tabs",
            ContainerKind::Tab { .. } => "tab",
            ContainerKind::Expander { .. } => "expander",
        }
    }

    /// Whether widgets and other containers may go directly inside.
    fn holds_content(&self) -> bool {
        !matches!(
            self,
            ContainerKind::Columns { .. } | ContainerKind::Tabs { .. }
        )
    }
}

/// A declared container. Unknown keys are refused by [`ContainerKind`], which receives every key
/// but `id` and `parent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerSpec {
    /// Unique id (the Python package derives it from the nesting).
    pub id: String,
    /// The enclosing container; `None` is the top level.
    #[serde(default)]
    pub parent: Option<String>,
    /// What it is.
    #[serde(flatten)]
    pub kind: ContainerKind,
}

impl ContainerSpec {
    /// Parse a declaration such as `{"id": "cols", "parent": "page:Ops", "type": "columns",
    /// "weights": [2, 1]}`; unknown keys are refused.
    pub fn from_json(value: serde_json::Value) -> EngineResult<Self> {
        let given: Vec<String> = match &value {
            serde_json::Value::Object(map) => map.keys().cloned().collect(),
            _ => Vec::new(),
        };
        let spec: Self = serde_json::from_value(value)
            .map_err(|err| layout_error(format!("container declaration: {err}")))?;
        if let Ok(serde_json::Value::Object(known)) = serde_json::to_value(&spec) {
            if let Some(unknown) = given.iter().find(|k| !known.contains_key(k.as_str())) {
                return Err(layout_error(format!(
                    "a {} has no option {unknown:?}",
                    spec.kind.name()
                )));
            }
        }
        Ok(spec)
    }
}

fn layout_error(reason: String) -> EngineError {
    EngineError::Layout(reason)
}

fn check_name(what: &str, name: &str) -> EngineResult<()> {
    if name.trim().is_empty() || name.len() > MAX_LABEL_BYTES {
        return Err(layout_error(format!(
            "a {what} needs a name of 1 to {MAX_LABEL_BYTES} bytes, not {:?}",
            name.chars().take(80).collect::<String>()
        )));
    }
    Ok(())
}

/// The containers of a dashboard, in declaration order.
#[derive(Debug, Clone, Default)]
pub struct Containers {
    list: Vec<ContainerSpec>,
    by_id: HashMap<String, usize>,
    /// Of each `columns` row, what was declared directly inside it (widgets `w:id`, containers
    /// `c:id`), in order: the k-th goes into column k mod n.
    row_order: HashMap<String, Vec<String>>,
}

impl Containers {
    /// Every container, in declaration order.
    pub fn list(&self) -> &[ContainerSpec] {
        &self.list
    }

    /// Look one up.
    pub fn get(&self, id: &str) -> Option<&ContainerSpec> {
        self.by_id.get(id).map(|&i| &self.list[i])
    }

    /// Where something declared with `parent` goes: directly inside a `columns` row (as in
    /// `with sv.columns(3): sv.stat("a"); sv.stat("b")`), each widget or container takes the
    /// row's next column in turn, round robin after the last (declared when new); the same
    /// `owner` declared again keeps its column. Any other parent is kept.
    pub fn place(&mut self, owner: &str, parent: Option<&str>) -> EngineResult<Option<String>> {
        let Some(parent) = parent else {
            return Ok(None);
        };
        let Some(ContainerKind::Columns { weights }) = self.get(parent).map(|c| &c.kind) else {
            return Ok(Some(parent.to_owned()));
        };
        let n = weights.len();
        let order = self.row_order.entry(parent.to_owned()).or_default();
        let turn = match order.iter().position(|o| o == owner) {
            Some(turn) => turn,
            None => {
                if order.len() >= super::limits::MAX_WIDGETS {
                    return Err(EngineError::TooLarge(format!(
                        "a row of columns holds at most {} widgets",
                        super::limits::MAX_WIDGETS
                    )));
                }
                order.push(owner.to_owned());
                order.len() - 1
            }
        };
        let columns: Vec<&str> = self
            .list
            .iter()
            .filter(|c| c.parent.as_deref() == Some(parent) && c.kind == ContainerKind::Column)
            .map(|c| c.id.as_str())
            .collect();
        if let Some(column) = columns.get(turn % n) {
            return Ok(Some((*column).to_owned()));
        }
        let column = format!("{parent}/column{}", columns.len());
        self.declare(ContainerSpec {
            id: column.clone(),
            parent: Some(parent.to_owned()),
            kind: ContainerKind::Column,
        })?;
        Ok(Some(column))
    }

    /// Declare a container, or re-declare one with the same kind (its options are replaced).
    /// Checks the nesting: columns hold only columns (anything else declared directly inside a
    /// row takes its next column, [`Containers::place`]), tabs only their named tabs, pages and
    /// the sidebar only at the top level.
    pub fn declare(&mut self, spec: ContainerSpec) -> EngineResult<bool> {
        check_container_id(&spec.id)?;
        let mut spec = spec;
        if matches!(
            spec.kind,
            ContainerKind::Columns { .. }
                | ContainerKind::Tabs { .. }
                | ContainerKind::Expander { .. }
        ) {
            let owner = format!("c:{}", spec.id);
            spec.parent = self.place(&owner, spec.parent.as_deref())?;
        }
        let parent = match &spec.parent {
            Some(parent) => Some(self.get(parent).ok_or_else(|| {
                layout_error(format!(
                    "{} {:?} is inside {parent:?}, which is not declared",
                    spec.kind.name(),
                    spec.id
                ))
            })?),
            None => None,
        };
        let parent_kind = parent.map(|p| &p.kind);
        let misplaced = |rule: &str| {
            Err(layout_error(format!(
                "{} {:?}: {rule}{}",
                spec.kind.name(),
                spec.id,
                parent_kind.map_or(String::new(), |k| format!(" (it is inside a {})", k.name()))
            )))
        };
        match &spec.kind {
            ContainerKind::Page { name } => {
                check_name("page", name)?;
                if parent.is_some() {
                    return misplaced("pages are only at the top level");
                }
            }
            ContainerKind::Sidebar => {
                if parent.is_some() {
                    return misplaced("the sidebar is only at the top level");
                }
            }
            ContainerKind::Column => {
                let Some(ContainerKind::Columns { weights }) = parent_kind else {
                    return misplaced("a column goes directly inside columns()");
                };
                let taken = self
                    .list
                    .iter()
                    .filter(|c| c.parent == spec.parent && c.id != spec.id)
                    .count();
                if taken >= weights.len() {
                    return misplaced(&format!(
                        "columns() made {} columns and all are in use",
                        weights.len()
                    ));
                }
            }
            ContainerKind::Tab { name } => {
                let Some(ContainerKind::Tabs { names }) = parent_kind else {
                    return misplaced("a tab goes directly inside tabs()");
                };
                if !names.contains(name) {
                    return misplaced(&format!("{name:?} is not one of the tabs {names:?}"));
                }
            }
            ContainerKind::Columns { weights } => {
                if weights.is_empty() || weights.len() > MAX_COLUMNS_PER_ROW {
                    return Err(layout_error(format!(
                        "columns() takes 1 to {MAX_COLUMNS_PER_ROW} columns, not {}",
                        weights.len()
                    )));
                }
                if weights.iter().any(|w| !(w.is_finite() && *w > 0.0)) {
                    return Err(layout_error(format!(
                        "column widths are positive numbers, not {weights:?}"
                    )));
                }
                if parent_kind.is_some_and(|k| !k.holds_content()) {
                    return misplaced("put it inside one of the column() or tab() blocks");
                }
            }
            ContainerKind::Tabs { names } => {
                if names.is_empty() || names.len() > MAX_TABS {
                    return Err(layout_error(format!(
                        "tabs() takes 1 to {MAX_TABS} names, not {}",
                        names.len()
                    )));
                }
                for name in names {
                    check_name("tab", name)?;
                }
                if names
                    .iter()
                    .enumerate()
                    .any(|(i, n)| names[..i].contains(n))
                {
                    return Err(layout_error(format!("tab names repeat: {names:?}")));
                }
                if parent_kind.is_some_and(|k| !k.holds_content()) {
                    return misplaced("put it inside one of the column() or tab() blocks");
                }
            }
            ContainerKind::Expander { title, .. } => {
                check_name("expander", title)?;
                if parent_kind.is_some_and(|k| !k.holds_content()) {
                    return misplaced("put it inside one of the column() or tab() blocks");
                }
            }
        }
        match self.by_id.get(&spec.id) {
            Some(&i) => {
                let existing = &mut self.list[i];
                if std::mem::discriminant(&existing.kind) != std::mem::discriminant(&spec.kind)
                    || existing.parent != spec.parent
                {
                    return Err(layout_error(format!(
                        "container {:?} is already a {} elsewhere",
                        spec.id,
                        existing.kind.name()
                    )));
                }
                let changed = *existing != spec;
                *existing = spec;
                Ok(changed)
            }
            None => {
                if self.list.len() >= super::limits::MAX_WIDGETS {
                    return Err(EngineError::TooLarge(format!(
                        "a dashboard holds at most {} containers",
                        super::limits::MAX_WIDGETS
                    )));
                }
                self.by_id.insert(spec.id.clone(), self.list.len());
                self.list.push(spec);
                Ok(true)
            }
        }
    }

    /// Check that a widget may go where its placement says.
    pub fn check_placement(&self, widget: &str, placement: &Placement) -> EngineResult<()> {
        placement.validate()?;
        let Some(parent) = &placement.parent else {
            return Ok(());
        };
        let container = self.get(parent).ok_or_else(|| {
            layout_error(format!(
                "widget {widget:?} is inside {parent:?}, which is not declared"
            ))
        })?;
        if !container.kind.holds_content() {
            return Err(layout_error(format!(
                "widget {widget:?} is directly inside a {}: put it inside one of its {} blocks",
                container.kind.name(),
                if matches!(container.kind, ContainerKind::Columns { .. }) {
                    "column()"
                } else {
                    "tab()"
                }
            )));
        }
        Ok(())
    }
}

/// The layout tree of the `config` message.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LayoutTree {
    /// Pages in order; the first holds everything placed nowhere else. Never empty.
    pub pages: Vec<LayoutPage>,
    /// Contents of the sidebar (empty when there is none).
    pub sidebar: Vec<LayoutNode>,
}

/// One page.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LayoutPage {
    /// Container id; `None` for the implicit first page.
    pub id: Option<String>,
    /// Shown in the navigation; `None` for the implicit first page (the dashboard title).
    pub name: Option<String>,
    /// URL-safe form of the name (`""` for the implicit first page).
    pub slug: String,
    /// What is on it, in declaration order.
    pub children: Vec<LayoutNode>,
}

/// A node of the tree.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LayoutNode {
    /// A widget by id.
    Widget {
        /// The widget id.
        id: String,
    },
    /// A row of columns.
    Columns {
        /// Container id.
        id: String,
        /// Relative widths.
        weights: Vec<f64>,
        /// One `column` node per weight (empty columns included).
        children: Vec<LayoutNode>,
    },
    /// One column.
    Column {
        /// Container id (empty for a column nothing was declared in).
        id: String,
        /// Its content.
        children: Vec<LayoutNode>,
    },
    /// Tabs; one `tab` node per name, in order.
    Tabs {
        /// Container id.
        id: String,
        /// The tabs.
        children: Vec<LayoutNode>,
    },
    /// One tab.
    Tab {
        /// Container id (empty for a tab nothing was declared in).
        id: String,
        /// Its name.
        name: String,
        /// Its content.
        children: Vec<LayoutNode>,
    },
    /// A collapsible section.
    Expander {
        /// Container id.
        id: String,
        /// Heading.
        title: String,
        /// Open on load.
        expanded: bool,
        /// Its content.
        children: Vec<LayoutNode>,
    },
}

/// A URL-safe slug of a page name: lowercase letters and digits joined by `-`.
pub fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "page".into()
    } else {
        slug
    }
}

/// Build the tree: containers and widgets in declaration order under their parents; widgets
/// whose parent is unknown go to the first page.
pub fn build_layout(containers: &Containers, widgets: &[WidgetSpec]) -> LayoutTree {
    // Children of each container (and of the top level, key None), in declaration order.
    enum Item<'a> {
        Container(&'a ContainerSpec),
        Widget(&'a str),
    }
    let mut children: HashMap<Option<&str>, Vec<Item<'_>>> = HashMap::new();
    for container in containers.list() {
        children
            .entry(container.parent.as_deref())
            .or_default()
            .push(Item::Container(container));
    }
    for widget in widgets {
        let parent = widget
            .placement
            .parent
            .as_deref()
            .filter(|p| containers.get(p).is_some_and(|c| c.kind.holds_content()));
        children
            .entry(parent)
            .or_default()
            .push(Item::Widget(&widget.id));
    }

    fn nodes(
        parent: Option<&str>,
        children: &HashMap<Option<&str>, Vec<Item<'_>>>,
    ) -> Vec<LayoutNode> {
        let Some(items) = children.get(&parent) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| match item {
                Item::Widget(id) => Some(LayoutNode::Widget {
                    id: (*id).to_owned(),
                }),
                Item::Container(c) => node(c, children),
            })
            .collect()
    }

    fn node(
        c: &ContainerSpec,
        children: &HashMap<Option<&str>, Vec<Item<'_>>>,
    ) -> Option<LayoutNode> {
        let inner = || nodes(Some(&c.id), children);
        match &c.kind {
            ContainerKind::Page { .. } | ContainerKind::Sidebar => None,
            ContainerKind::Columns { weights } => {
                let mut columns: Vec<LayoutNode> = inner()
                    .into_iter()
                    .filter(|n| matches!(n, LayoutNode::Column { .. }))
                    .collect();
                while columns.len() < weights.len() {
                    columns.push(LayoutNode::Column {
                        id: String::new(),
                        children: Vec::new(),
                    });
                }
                Some(LayoutNode::Columns {
                    id: c.id.clone(),
                    weights: weights.clone(),
                    children: columns,
                })
            }
            ContainerKind::Column => Some(LayoutNode::Column {
                id: c.id.clone(),
                children: inner(),
            }),
            ContainerKind::Tabs { names } => {
                let declared = inner();
                let tabs = names
                    .iter()
                    .map(|name| {
                        declared
                            .iter()
                            .find(|n| matches!(n, LayoutNode::Tab { name: n, .. } if n == name))
                            .cloned()
                            .unwrap_or_else(|| LayoutNode::Tab {
                                id: String::new(),
                                name: name.clone(),
                                children: Vec::new(),
                            })
                    })
                    .collect();
                Some(LayoutNode::Tabs {
                    id: c.id.clone(),
                    children: tabs,
                })
            }
            ContainerKind::Tab { name } => Some(LayoutNode::Tab {
                id: c.id.clone(),
                name: name.clone(),
                children: inner(),
            }),
            ContainerKind::Expander { title, expanded } => Some(LayoutNode::Expander {
                id: c.id.clone(),
                title: title.clone(),
                expanded: *expanded,
                children: inner(),
            }),
        }
    }

    let mut pages = vec![LayoutPage {
        id: None,
        name: None,
        slug: String::new(),
        children: nodes(None, &children),
    }];
    let mut sidebar = Vec::new();
    let mut slugs: Vec<String> = Vec::new();
    for container in containers.list() {
        match &container.kind {
            ContainerKind::Page { name } => {
                let base = slug(name);
                let mut unique = base.clone();
                let mut n = 2;
                while slugs.contains(&unique) {
                    unique = format!("{base}-{n}");
                    n += 1;
                }
                slugs.push(unique.clone());
                pages.push(LayoutPage {
                    id: Some(container.id.clone()),
                    name: Some(name.clone()),
                    slug: unique,
                    children: nodes(Some(&container.id), &children),
                });
            }
            ContainerKind::Sidebar => sidebar.extend(nodes(Some(&container.id), &children)),
            _ => {}
        }
    }
    // The implicit first page is dropped when pages were declared and nothing is on it.
    if pages.len() > 1 && pages[0].children.is_empty() {
        pages.remove(0);
    }
    LayoutTree { pages, sidebar }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn container(id: &str, parent: Option<&str>, kind: ContainerKind) -> ContainerSpec {
        ContainerSpec {
            id: id.into(),
            parent: parent.map(Into::into),
            kind,
        }
    }

    fn widget(id: &str, parent: Option<&str>) -> WidgetSpec {
        let mut spec = WidgetSpec::parse(id, "metric", json!({})).unwrap();
        spec.placement.parent = parent.map(Into::into);
        spec
    }

    #[test]
    fn nesting_builds_the_tree_in_declaration_order() {
        let mut c = Containers::default();
        c.declare(container("sb", None, ContainerKind::Sidebar))
            .unwrap();
        c.declare(container(
            "ops",
            None,
            ContainerKind::Page {
                name: "Ops & Alerts".into(),
            },
        ))
        .unwrap();
        c.declare(container(
            "ops/tabs",
            Some("ops"),
            ContainerKind::Tabs {
                names: vec!["Live".into(), "Logs".into()],
            },
        ))
        .unwrap();
        c.declare(container(
            "ops/tabs/live",
            Some("ops/tabs"),
            ContainerKind::Tab {
                name: "Live".into(),
            },
        ))
        .unwrap();
        c.declare(container(
            "ops/tabs/live/cols",
            Some("ops/tabs/live"),
            ContainerKind::Columns {
                weights: vec![2.0, 1.0],
            },
        ))
        .unwrap();
        c.declare(container(
            "ops/tabs/live/cols/0",
            Some("ops/tabs/live/cols"),
            ContainerKind::Column,
        ))
        .unwrap();
        let widgets = [
            widget("home", None),
            widget("filter", Some("sb")),
            widget("cpu", Some("ops/tabs/live/cols/0")),
            widget("lost", Some("nowhere")),
        ];
        let tree = build_layout(&c, &widgets);
        let tree = serde_json::to_value(&tree).unwrap();
        assert_eq!(
            tree,
            json!({
                "pages": [
                    {"id": null, "name": null, "slug": "", "children": [
                        {"type": "widget", "id": "home"}, {"type": "widget", "id": "lost"}]},
                    {"id": "ops", "name": "Ops & Alerts", "slug": "ops-alerts", "children": [
                        {"type": "tabs", "id": "ops/tabs", "children": [
                            {"type": "tab", "id": "ops/tabs/live", "name": "Live", "children": [
                                {"type": "columns", "id": "ops/tabs/live/cols", "weights": [2.0, 1.0], "children": [
                                    {"type": "column", "id": "ops/tabs/live/cols/0", "children": [{"type": "widget", "id": "cpu"}]},
                                    {"type": "column", "id": "", "children": []}]}]},
                            {"type": "tab", "id": "", "name": "Logs", "children": []}]}]}],
                "sidebar": [{"type": "widget", "id": "filter"}],
            })
        );
    }

    #[test]
    fn wrong_nesting_is_refused_with_a_reason() {
        let mut c = Containers::default();
        c.declare(container(
            "cols",
            None,
            ContainerKind::Columns { weights: vec![1.0] },
        ))
        .unwrap();
        c.declare(container(
            "tabs",
            None,
            ContainerKind::Tabs {
                names: vec!["A".into()],
            },
        ))
        .unwrap();
        c.declare(container(
            "p",
            None,
            ContainerKind::Page { name: "P".into() },
        ))
        .unwrap();
        let refused = [
            container("x", Some("p"), ContainerKind::Page { name: "Q".into() }),
            container("x", Some("p"), ContainerKind::Sidebar),
            container("x", None, ContainerKind::Column),
            container("x", Some("tabs"), ContainerKind::Column),
            container("x", Some("cols"), ContainerKind::Tab { name: "A".into() }),
            container("x", Some("tabs"), ContainerKind::Tab { name: "B".into() }),
            container("x", Some("missing"), ContainerKind::Column),
            container("x", None, ContainerKind::Columns { weights: vec![] }),
            container(
                "x",
                None,
                ContainerKind::Columns {
                    weights: vec![1.0, -1.0],
                },
            ),
            container(
                "x",
                None,
                ContainerKind::Tabs {
                    names: vec!["A".into(), "A".into()],
                },
            ),
        ];
        for spec in refused {
            let err = c.declare(spec.clone()).unwrap_err();
            assert!(matches!(err, EngineError::Layout(_)), "{spec:?}: {err}");
        }
        c.declare(container("cols/0", Some("cols"), ContainerKind::Column))
            .unwrap();
        let err = c
            .declare(container("cols/1", Some("cols"), ContainerKind::Column))
            .unwrap_err();
        assert!(err.to_string().contains("all are in use"), "{err}");
        let err = c
            .check_placement(
                "cpu",
                &Placement {
                    parent: Some("cols".into()),
                    ..Placement::default()
                },
            )
            .unwrap_err();
        assert!(err.to_string().contains("column()"), "{err}");
        assert!(c
            .check_placement(
                "cpu",
                &Placement {
                    width: Some(9),
                    ..Placement::default()
                }
            )
            .is_err());
        assert_eq!(c.list().len(), 4, "refused declarations added nothing");
    }

    #[test]
    fn what_goes_directly_inside_a_row_takes_its_columns_in_turn() {
        let mut c = Containers::default();
        c.declare(container(
            "row",
            None,
            ContainerKind::Columns {
                weights: vec![2.0, 1.0],
            },
        ))
        .unwrap();
        let place = |c: &mut Containers, owner: &str| c.place(owner, Some("row")).unwrap();
        assert_eq!(place(&mut c, "w:a").as_deref(), Some("row/column0"));
        assert_eq!(place(&mut c, "w:b").as_deref(), Some("row/column1"));
        assert_eq!(
            place(&mut c, "w:c").as_deref(),
            Some("row/column0"),
            "round robin"
        );
        assert_eq!(
            place(&mut c, "w:a").as_deref(),
            Some("row/column0"),
            "declared again: kept"
        );
        // A container goes in turn too, and holds what is declared inside it.
        c.declare(container(
            "row/expander0",
            Some("row"),
            ContainerKind::Expander {
                title: "More".into(),
                expanded: false,
            },
        ))
        .unwrap();
        assert_eq!(
            c.get("row/expander0").unwrap().parent.as_deref(),
            Some("row/column1")
        );
        let columns: Vec<_> = c
            .list()
            .iter()
            .filter(|s| s.kind == ContainerKind::Column)
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(columns, ["row/column0", "row/column1"]);
        // Other parents are kept.
        assert_eq!(
            c.place("w:d", Some("row/expander0")).unwrap().as_deref(),
            Some("row/expander0")
        );
        assert_eq!(c.place("w:d", None).unwrap(), None);
    }
}
