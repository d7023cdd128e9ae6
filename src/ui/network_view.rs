//! The network view: a WebGL drawing of the coordination network with zoom, pan, hover and
//! select, usable with the mouse and the keyboard, interactive at 50,000+ nodes.
//!
//! Data comes in as plain arrays in an `Rc<GraphData>` (as they arrive from the worker, where the
//! layout is computed: see `core::layout`). On a new graph the view uploads the geometry to the
//! GPU once, builds a uniform-grid spatial index for picking and a neighbour list; after that a
//! frame is a handful of draw calls with new camera uniforms, and the pointer is resolved to a
//! node by looking at a few grid cells (no per-frame or per-move O(n) work). Frames are drawn
//! only when something changed, on the next animation frame.
//!
//! Big graphs (more than [`BIG_GRAPH`] nodes + edges) are drawn with two levels of detail:
//! - overview (zoomed out, fitted, or zoomed in up to [`RASTER_MAX_MAGNIFICATION`]): every edge
//!   and node is drawn once per layout into a world-space texture of about one texel per device
//!   pixel at the fitted zoom (`gl::Renderer::build_raster`), and a frame is that texture as one
//!   quad plus the selection. The first frame of a new graph shows the nodes alone; the next
//!   builds the raster.
//! - zoomed in further: the geometry itself (sharp 1-pixel edges, every edge of what is in
//!   view, culled on the CPU to what can be in view); while the view moves, the last full frame
//!   is moved and scaled on the GPU (the raster, magnified, before there is one), and the full
//!   frame follows once the movement stops ([`SETTLE_MS`]), drawn offscreen over several
//!   animation frames of bounded cost ([`SETTLE_STEP_FILL`]) and shown when complete; unless
//!   the full frame is cheaper than the moved one ([`MOVING_FULL_FRAME_FILL`]): then every
//!   frame is a full one.
//!
//! Selection is controlled: a click emits `on_select(Some(node))` (or `None` on the background,
//! and Escape), and the parent passes the chosen node back as `selected`.
//!
//! CSP: no inline `style` attribute is ever rendered; positions and sizes are set through the
//! CSSOM (`element.style.setProperty`), which `style-src 'self'` allows.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, HtmlElement, KeyboardEvent, PointerEvent, WheelEvent};
use yew::prelude::*;

use super::gl::{Camera, RasterSpec, Renderer};

/// A graph ready to draw. All arrays are per node (index = node id) except `edges`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GraphData {
    /// x, y interleaved (layout coordinates, any scale: the view fits them).
    pub positions: Vec<f32>,
    /// r, g, b, a per node.
    pub colors: Vec<u8>,
    /// Diameter per node in CSS pixels at the fitted zoom (e.g. 3..16 by activity).
    pub sizes: Vec<f32>,
    /// Node index pairs (a0, b0, a1, b1, ...). Pairs naming a missing node are skipped.
    pub edges: Vec<u32>,
    /// Tooltip text per node; when shorter than the node count, the `label` prop (or "#id") is
    /// used for the rest.
    pub labels: Vec<String>,
}

impl GraphData {
    /// Number of drawable nodes (the shortest of the per-node arrays).
    pub fn n_nodes(&self) -> usize {
        (self.positions.len() / 2).min(self.colors.len() / 4).min(self.sizes.len())
    }
    fn position(&self, i: usize) -> [f32; 2] {
        [self.positions[2 * i], self.positions[2 * i + 1]]
    }
}

/// Colours of clusters (Tableau 10, readable on the light background), cycled by cluster id.
pub const CLUSTER_PALETTE: [[u8; 3]; 10] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
];

/// RGBA of a cluster (`u32::MAX`, "no cluster", is a light grey).
pub fn cluster_rgba(cluster: u32) -> [u8; 4] {
    if cluster == u32::MAX {
        return [170, 175, 185, 200];
    }
    let [r, g, b] = CLUSTER_PALETTE[cluster as usize % CLUSTER_PALETTE.len()];
    [r, g, b, 235]
}

/// The same colour as CSS / SVG `#rrggbb` (for [`super::charts::Series::color`]).
pub fn css_color(rgba: [u8; 4]) -> String {
    format!("#{:02x}{:02x}{:02x}", rgba[0], rgba[1], rgba[2])
}

/// RGBA of a role (`core::detect::Role as u8`: 0 unflagged, 1 core, 2 amplifier).
pub fn role_rgba(role: u8) -> [u8; 4] {
    match role {
        1 => [201, 42, 42, 240],   // core: red
        2 => [247, 140, 20, 220],  // amplifier: orange
        _ => [134, 142, 150, 180], // unflagged: grey
    }
}

#[derive(Properties)]
pub struct NetworkViewProps {
    pub graph: Rc<GraphData>,
    #[prop_or_default]
    pub selected: Option<u32>,
    #[prop_or_default]
    pub on_select: Callback<Option<u32>>,
    #[prop_or_default]
    pub on_hover: Callback<Option<u32>>,
    /// Label of a node for the tooltip when `graph.labels` has none for it.
    #[prop_or_default]
    pub label: Option<Callback<u32, String>>,
    /// Extra classes on the container (which always has `network-view`).
    #[prop_or_default]
    pub class: Classes,
}

impl PartialEq for NetworkViewProps {
    fn eq(&self, other: &Self) -> bool {
        // The graph by identity: comparing 50k positions on every parent render would be waste.
        Rc::ptr_eq(&self.graph, &other.graph)
            && self.selected == other.selected
            && self.on_select == other.on_select
            && self.on_hover == other.on_hover
            && self.label == other.label
            && self.class == other.class
    }
}

/// A uniform grid over node positions for nearest-node queries.
pub struct SpatialIndex {
    min: [f32; 2],
    inv_cell: f32,
    nx: usize,
    ny: usize,
    /// `items[start[c] .. start[c + 1]]` are the nodes in cell `c` (row-major).
    start: Vec<u32>,
    items: Vec<u32>,
}

impl SpatialIndex {
    /// Index the first `n` positions (x, y interleaved), about two nodes per cell.
    pub fn new(positions: &[f32], n: usize) -> SpatialIndex {
        let (mut min_x, mut min_y, mut max_x, mut max_y) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for i in 0..n {
            let (x, y) = (positions[2 * i], positions[2 * i + 1]);
            if x.is_finite() && y.is_finite() {
                min_x = min_x.min(x);
                min_y = min_y.min(y);
                max_x = max_x.max(x);
                max_y = max_y.max(y);
            }
        }
        if min_x > max_x {
            (min_x, min_y, max_x, max_y) = (0.0, 0.0, 0.0, 0.0);
        }
        let (w, h) = ((max_x - min_x).max(1e-6), (max_y - min_y).max(1e-6));
        let cells_wanted = (n / 2).clamp(1, 1 << 20) as f32;
        let cell = ((w * h) / cells_wanted).sqrt().max(w.max(h) / 4096.0);
        let nx = ((w / cell).floor() as usize + 1).max(1);
        let ny = ((h / cell).floor() as usize + 1).max(1);
        let mut index = SpatialIndex {
            min: [min_x, min_y],
            inv_cell: 1.0 / cell,
            nx,
            ny,
            start: vec![0; nx * ny + 1],
            items: Vec::new(),
        };
        let cell_of: Vec<u32> = (0..n).map(|i| index.cell_of(positions[2 * i], positions[2 * i + 1]) as u32).collect();
        for &c in &cell_of {
            index.start[c as usize + 1] += 1;
        }
        for c in 0..nx * ny {
            index.start[c + 1] += index.start[c];
        }
        let mut fill = index.start.clone();
        index.items = vec![0; n];
        for (i, &c) in cell_of.iter().enumerate() {
            index.items[fill[c as usize] as usize] = i as u32;
            fill[c as usize] += 1;
        }
        index
    }

    fn cell_xy(&self, x: f32, y: f32) -> (usize, usize) {
        let cx = ((x - self.min[0]) * self.inv_cell).floor();
        let cy = ((y - self.min[1]) * self.inv_cell).floor();
        let clamp = |v: f32, n: usize| if v.is_finite() { v.clamp(0.0, (n - 1) as f32) as usize } else { 0 };
        (clamp(cx, self.nx), clamp(cy, self.ny))
    }

    fn cell_of(&self, x: f32, y: f32) -> usize {
        let (cx, cy) = self.cell_xy(x, y);
        cy * self.nx + cx
    }

    /// The node nearest to (x, y) within `radius` (world units), ties to the lower id.
    pub fn nearest(&self, positions: &[f32], x: f32, y: f32, radius: f32) -> Option<u32> {
        if !(x.is_finite() && y.is_finite() && radius > 0.0) {
            return None;
        }
        let (x0, y0) = self.cell_xy(x - radius, y - radius);
        let (x1, y1) = self.cell_xy(x + radius, y + radius);
        let mut best: Option<(f32, u32)> = None;
        let r2 = radius * radius;
        for cy in y0..=y1 {
            for cx in x0..=x1 {
                let c = cy * self.nx + cx;
                for &i in &self.items[self.start[c] as usize..self.start[c + 1] as usize] {
                    let dx = positions[2 * i as usize] - x;
                    let dy = positions[2 * i as usize + 1] - y;
                    let d2 = dx * dx + dy * dy;
                    if d2 <= r2 && best.is_none_or(|(bd, bi)| d2 < bd || (d2 == bd && i < bi)) {
                        best = Some((d2, i));
                    }
                }
            }
        }
        best.map(|(_, i)| i)
    }
}

/// Camera: which world point is at the centre of the canvas and how many CSS pixels a world
/// unit spans. Screen coordinates are CSS pixels from the canvas' top-left corner, y down.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub center: [f32; 2],
    pub zoom: f32,
    /// The zoom that fits the whole graph (node sizes grow gently when zooming in past it).
    pub fit_zoom: f32,
    /// Canvas size in CSS pixels and the device pixel ratio.
    pub width: f32,
    pub height: f32,
    pub dpr: f32,
}

impl Default for View {
    fn default() -> Self {
        View { center: [0.0, 0.0], zoom: 1.0, fit_zoom: 1.0, width: 0.0, height: 0.0, dpr: 1.0 }
    }
}

const MIN_ZOOM_FACTOR: f32 = 0.2;
/// Node sizes follow the zoom exactly up to this factor of the fitted zoom (see
/// [`View::size_factor`]); equal to [`RASTER_MAX_MAGNIFICATION`] so the switch from the
/// overview raster to the geometry does not change node sizes.
pub const SIZE_LINEAR_UP_TO: f32 = RASTER_MAX_MAGNIFICATION;
const MAX_ZOOM_FACTOR: f32 = 400.0;

impl View {
    pub fn screen_to_world(&self, sx: f32, sy: f32) -> [f32; 2] {
        [self.center[0] + (sx - self.width / 2.0) / self.zoom, self.center[1] + (sy - self.height / 2.0) / self.zoom]
    }
    pub fn world_to_screen(&self, w: [f32; 2]) -> [f32; 2] {
        [
            (w[0] - self.center[0]) * self.zoom + self.width / 2.0,
            (w[1] - self.center[1]) * self.zoom + self.height / 2.0,
        ]
    }
    /// Fit the bounding box of `graph` into the canvas with a margin.
    pub fn fit(&mut self, graph: &GraphData) {
        let n = graph.n_nodes();
        let (mut min_x, mut min_y, mut max_x, mut max_y) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for i in 0..n {
            let [x, y] = graph.position(i);
            if x.is_finite() && y.is_finite() {
                min_x = min_x.min(x);
                min_y = min_y.min(y);
                max_x = max_x.max(x);
                max_y = max_y.max(y);
            }
        }
        if min_x > max_x {
            (min_x, min_y, max_x, max_y) = (-1.0, -1.0, 1.0, 1.0);
        }
        let margin = 24.0f32.min(self.width / 4.0).min(self.height / 4.0).max(0.0);
        let (w, h) = ((max_x - min_x).max(1e-6), (max_y - min_y).max(1e-6));
        let zx = (self.width - 2.0 * margin).max(1.0) / w;
        let zy = (self.height - 2.0 * margin).max(1.0) / h;
        let mut zoom = zx.min(zy);
        if n <= 1 {
            zoom = 1.0;
        }
        self.center = [(min_x + max_x) / 2.0, (min_y + max_y) / 2.0];
        self.zoom = zoom;
        self.fit_zoom = zoom;
    }
    /// Multiply the zoom by `factor` keeping the world point under (sx, sy) in place.
    pub fn zoom_at(&mut self, factor: f32, sx: f32, sy: f32) {
        if !(factor.is_finite() && factor > 0.0) {
            return;
        }
        let before = self.screen_to_world(sx, sy);
        self.zoom = (self.zoom * factor).clamp(self.fit_zoom * MIN_ZOOM_FACTOR, self.fit_zoom * MAX_ZOOM_FACTOR);
        let after = self.screen_to_world(sx, sy);
        self.center[0] += before[0] - after[0];
        self.center[1] += before[1] - after[1];
    }
    /// Move the drawing by (dx, dy) CSS pixels.
    pub fn pan(&mut self, dx: f32, dy: f32) {
        self.center[0] -= dx / self.zoom;
        self.center[1] -= dy / self.zoom;
    }
    /// How much node sizes grow with zoom: like the picture up to [`SIZE_LINEAR_UP_TO`] times
    /// the fitted zoom (so the overview raster, a picture, and the geometry agree), then gently
    /// (square root), at most 3x, so a zoomed-in cluster stays readable; zoomed out below the
    /// fit, nodes shrink with the picture (down to half size).
    pub fn size_factor(&self) -> f32 {
        let r = self.zoom / self.fit_zoom;
        if !r.is_finite() {
            return 1.0;
        }
        let linear = r.min(SIZE_LINEAR_UP_TO);
        (linear * (r / SIZE_LINEAR_UP_TO).max(1.0).sqrt()).clamp(0.5, 3.0)
    }
    /// The uniforms for [`Renderer::draw`].
    pub fn camera(&self) -> Camera {
        let sx = 2.0 * self.zoom / self.width.max(1.0);
        let sy = -2.0 * self.zoom / self.height.max(1.0);
        Camera {
            scale: [sx, sy],
            offset: [-self.center[0] * sx, -self.center[1] * sy],
            point_scale: self.dpr * self.size_factor(),
        }
    }
}

/// Everything the event handlers share (one per mounted view).
#[derive(Default)]
struct Inner {
    renderer: Option<Renderer>,
    canvas: Option<HtmlCanvasElement>,
    tooltip: Option<HtmlElement>,
    graph: Rc<GraphData>,
    n_nodes: usize,
    index: Option<SpatialIndex>,
    /// Neighbour lists (CSR) and, per entry, nothing else: edges are re-derived from positions.
    adj_start: Vec<u32>,
    adj: Vec<u32>,
    max_size: f32,
    view: View,
    /// The view follows the graph's bounding box (on resize too) until the user zooms or pans.
    auto_fit: bool,
    /// The selection asked for by the parent, and the one drawn (valid for the current graph).
    requested: Option<u32>,
    selected: Option<u32>,
    hovered: Option<u32>,
    drag: Option<Drag>,
    on_select: Callback<Option<u32>>,
    on_hover: Callback<Option<u32>>,
    label: Option<Callback<u32, String>>,
    set_tooltip: Option<UseStateSetter<Option<String>>>,
    frame_pending: bool,
    /// The user is zooming or panning: on big graphs, frames skip the edges until the
    /// movement settles (see [`moved`]).
    moving: bool,
    settle: Option<gloo::timers::callback::Timeout>,
    n_edges: usize,
    frame_callback: Option<Closure<dyn FnMut()>>,
    /// Overview raster of a big graph: the nodes-only first frame was shown, the raster is
    /// built (or could not be: then frames are drawn directly).
    raster: RasterState,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum RasterState {
    /// New graph: the next frame shows the nodes alone, quickly.
    #[default]
    Pending,
    /// The nodes were shown; the next frame builds the raster.
    NodesShown,
    Ready,
    /// No raster (small graph, no framebuffer, or no size yet).
    Off,
}

#[derive(Clone, Copy)]
struct Drag {
    pointer: i32,
    start: [f32; 2],
    last: [f32; 2],
    moved: bool,
}

/// Pointer travel (CSS px) below which a press-release is a click, not a drag.
const CLICK_SLOP: f32 = 4.0;
/// Minimum pick radius (CSS px) around the pointer.
const PICK_PX: f32 = 6.0;

impl Inner {
    fn set_graph(&mut self, graph: Rc<GraphData>) {
        let n = graph.n_nodes();
        self.n_nodes = n;
        self.index = Some(SpatialIndex::new(&graph.positions, n));
        self.max_size = graph.sizes[..n].iter().copied().filter(|s| s.is_finite()).fold(0.0, f32::max);
        // Neighbour lists and edge geometry.
        let mut degree = vec![0u32; n + 1];
        let mut edge_vertices = Vec::with_capacity(graph.edges.len() * 2);
        let valid = |a: u32, b: u32| (a as usize) < n && (b as usize) < n && a != b;
        for e in graph.edges.chunks_exact(2) {
            let (a, b) = (e[0], e[1]);
            if valid(a, b) {
                degree[a as usize + 1] += 1;
                degree[b as usize + 1] += 1;
                let (pa, pb) = (graph.position(a as usize), graph.position(b as usize));
                edge_vertices.extend_from_slice(&[pa[0], pa[1], pb[0], pb[1]]);
            }
        }
        for i in 0..n {
            degree[i + 1] += degree[i];
        }
        let mut fill = degree.clone();
        let mut adj = vec![0u32; degree[n] as usize];
        for e in graph.edges.chunks_exact(2) {
            let (a, b) = (e[0], e[1]);
            if valid(a, b) {
                adj[fill[a as usize] as usize] = b;
                fill[a as usize] += 1;
                adj[fill[b as usize] as usize] = a;
                fill[b as usize] += 1;
            }
        }
        self.n_edges = edge_vertices.len() / 4;
        self.adj_start = degree;
        self.adj = adj;
        if let Some(r) = self.renderer.as_mut() {
            r.set_graph(&graph.positions[..2 * n], &graph.colors[..4 * n], &graph.sizes[..n], &edge_vertices);
        }
        self.graph = graph;
        self.hovered = None;
        // The kept frame shows the old graph: draw the next frame in full.
        self.moving = false;
        self.raster = if n + self.n_edges > BIG_GRAPH { RasterState::Pending } else { RasterState::Off };
        self.settle = None;
        self.auto_fit = true;
        if self.view.width > 0.0 {
            self.view.fit(&self.graph);
        }
        let requested = self.requested;
        self.set_selected(requested);
    }

    fn neighbours(&self, i: u32) -> &[u32] {
        let i = i as usize;
        if i + 1 >= self.adj_start.len() {
            return &[];
        }
        &self.adj[self.adj_start[i] as usize..self.adj_start[i + 1] as usize]
    }

    fn set_selected(&mut self, selected: Option<u32>) {
        self.requested = selected;
        self.moving = false;
        self.settle = None;
        self.selected = selected.filter(|&s| (s as usize) < self.n_nodes);
        if self.renderer.is_none() {
            return;
        }
        let Some(s) = self.selected else {
            if let Some(renderer) = self.renderer.as_mut() {
                renderer.set_highlight(&[], &[], &[], &[]);
            }
            return;
        };
        let mut nodes: Vec<u32> = self.neighbours(s).to_vec();
        let g = &self.graph;
        nodes.sort_unstable();
        nodes.dedup();
        let mut edge_vertices = Vec::with_capacity(nodes.len() * 4);
        let ps = g.position(s as usize);
        for &j in &nodes {
            let pj = g.position(j as usize);
            edge_vertices.extend_from_slice(&[ps[0], ps[1], pj[0], pj[1]]);
        }
        nodes.push(s); // drawn last, on top
        let mut pos = Vec::with_capacity(nodes.len() * 2);
        let mut col = Vec::with_capacity(nodes.len() * 4);
        let mut size = Vec::with_capacity(nodes.len());
        for &j in &nodes {
            let j = j as usize;
            pos.extend_from_slice(&g.positions[2 * j..2 * j + 2]);
            col.extend_from_slice(&g.colors[4 * j..4 * j + 3]);
            col.push(255);
            let grow = if j == s as usize { 1.8 } else { 1.25 };
            size.push(g.sizes[j].max(4.0) * grow);
        }
        if let Some(renderer) = self.renderer.as_mut() {
            renderer.set_highlight(&pos, &col, &size, &edge_vertices);
        }
    }

    /// The node under the screen point (CSS px), if any.
    fn pick(&self, sx: f32, sy: f32) -> Option<u32> {
        let index = self.index.as_ref()?;
        let [x, y] = self.view.screen_to_world(sx, sy);
        let radius_px = (self.max_size * self.view.size_factor() / 2.0 + 2.0).max(PICK_PX);
        index.nearest(&self.graph.positions, x, y, radius_px / self.view.zoom)
    }

    fn label_of(&self, i: u32) -> String {
        if let Some(l) = self.graph.labels.get(i as usize) {
            return l.clone();
        }
        match &self.label {
            Some(cb) => cb.emit(i),
            None => format!("#{i}"),
        }
    }

    /// Match the drawing buffer to the canvas' CSS box × devicePixelRatio. True when it changed.
    fn sync_size(&mut self) -> bool {
        let Some(canvas) = self.canvas.as_ref() else { return false };
        let dpr = web_sys::window().map(|w| w.device_pixel_ratio()).unwrap_or(1.0).max(0.5) as f32;
        let (w, h) = (canvas.client_width().max(0) as f32, canvas.client_height().max(0) as f32);
        if w == self.view.width && h == self.view.height && dpr == self.view.dpr {
            return false;
        }
        // Keep the world point at the centre; keep the fit relative to the new size.
        let old_fit = self.view.fit_zoom;
        let (old_w, old_h) = (self.view.width, self.view.height);
        self.view.width = w;
        self.view.height = h;
        self.view.dpr = dpr;
        canvas.set_width((w * dpr).round() as u32);
        canvas.set_height((h * dpr).round() as u32);
        if self.auto_fit || old_w <= 0.0 || old_h <= 0.0 {
            if w > 0.0 && h > 0.0 {
                self.view.fit(&self.graph);
            }
        } else {
            let ratio = (w / old_w).min(h / old_h);
            if ratio.is_finite() && ratio > 0.0 {
                self.view.fit_zoom = old_fit * ratio;
                self.view.zoom *= ratio;
            }
        }
        true
    }

    /// Draw now (called from the animation frame). True when another frame is wanted at once
    /// (the first frame of a big graph shows the nodes; the next one builds the raster).
    fn draw(&mut self) -> bool {
        self.frame_pending = false;
        self.sync_size();
        if self.view.width <= 0.0 || self.view.height <= 0.0 {
            return false;
        }
        let Some(canvas) = self.canvas.clone() else { return false };
        let big = self.n_edges + self.n_nodes > BIG_GRAPH;
        let (w, h, camera) = (canvas.width(), canvas.height(), self.view.camera());
        // A canvas resized far from the raster's fitted zoom gets a new raster.
        let wanted_density = self.view.fit_zoom * self.view.dpr;
        let stale = self
            .renderer
            .as_ref()
            .and_then(|r| r.raster_density())
            .is_none_or(|d| !(0.66..=1.5).contains(&(wanted_density / d)));
        let spec = match self.raster {
            RasterState::NodesShown => self.raster_spec(),
            RasterState::Ready if stale && !self.moving => self.raster_spec(),
            _ => None,
        };
        let Some(r) = self.renderer.as_mut() else { return false };
        if !big {
            r.draw(w, h, &camera, true);
            return false;
        }
        match self.raster {
            RasterState::Pending => {
                // First frame of a new graph: the nodes now, the edges with the raster next.
                r.draw(w, h, &camera, false);
                self.raster = RasterState::NodesShown;
                return true;
            }
            RasterState::NodesShown => {
                self.raster = match spec {
                    Some(spec) if r.build_raster(&spec) => RasterState::Ready,
                    _ => RasterState::Off,
                };
            }
            RasterState::Ready => {
                if stale && !self.moving {
                    self.raster = match spec {
                        Some(spec) if r.build_raster(&spec) => RasterState::Ready,
                        _ => RasterState::Off,
                    };
                }
            }
            RasterState::Off => {}
        }
        let magnification = r.raster_density().map(|d| self.view.zoom * self.view.dpr / d);
        if self.raster == RasterState::Ready
            && magnification.is_some_and(|m| m <= RASTER_MAX_MAGNIFICATION)
            && r.draw_raster(w, h, &camera)
        {
            // Zooming in past the raster starts from a full frame, not an old kept one.
            r.forget_kept_frame();
            return false;
        }
        if self.moving {
            if r.frame_fill(w, h, &camera) <= MOVING_FULL_FRAME_FILL {
                // Zoomed in far enough that the full frame (culled to the view) costs less than
                // the moved one: draw it, exact, while moving too.
                r.draw(w, h, &camera, true);
                r.forget_kept_frame();
            } else if !(r.draw_moved(w, h, &camera)
                || (self.raster == RasterState::Ready && r.draw_raster(w, h, &camera)))
            {
                // No kept frame yet and no raster: the full frame at once.
                r.draw_and_keep(w, h, &camera);
            }
            // (No kept frame yet, zooming in past the raster: the raster magnified, blurred
            // but at once; the sharp frame follows when the movement settles.)
            return false;
        }
        // Settled: the full frame in steps of about one moved frame's cost, the canvas showing
        // what it showed until the last step (a movement meanwhile is drawn at once).
        match r.draw_settled_step(w, h, &camera, SETTLE_STEP_FILL) {
            Some(step) => !step.done,
            None => {
                r.draw_and_keep(w, h, &camera);
                false
            }
        }
    }

    /// What the overview raster of the current graph should cover (None before the canvas
    /// has a size).
    fn raster_spec(&self) -> Option<RasterSpec> {
        let v = &self.view;
        if v.width <= 0.0 || v.height <= 0.0 || v.fit_zoom.is_nan() || v.fit_zoom <= 0.0 || self.n_nodes == 0 {
            return None;
        }
        let (mut min, mut max) = ([f32::MAX; 2], [f32::MIN; 2]);
        for p in self.graph.positions[..2 * self.n_nodes].chunks_exact(2) {
            if p[0].is_finite() && p[1].is_finite() {
                min = [min[0].min(p[0]), min[1].min(p[1])];
                max = [max[0].max(p[0]), max[1].max(p[1])];
            }
        }
        if min[0] > max[0] {
            return None;
        }
        // Room for the largest node's radius (plus its rim) around the centres.
        let margin = (self.max_size / 2.0 + 2.0) / v.fit_zoom;
        // The fitted view's top-left corner: texels fall on its pixels.
        let mut fitted = *v;
        fitted.fit(&self.graph);
        Some(RasterSpec {
            world_min: [min[0] - margin, min[1] - margin],
            world_max: [max[0] + margin, max[1] + margin],
            density: v.fit_zoom * v.dpr,
            fit_zoom: v.fit_zoom,
            align: fitted.screen_to_world(0.0, 0.0),
        })
    }

    fn set_hover(&mut self, hovered: Option<u32>, at: [f32; 2]) {
        if let Some(t) = self.tooltip.as_ref() {
            if hovered.is_some() {
                let s = t.style();
                // Just right of and below the pointer; CSSOM, not an inline style attribute.
                let _ = s.set_property("transform", &format!("translate({}px, {}px)", at[0] + 14.0, at[1] + 14.0));
            }
        }
        if hovered == self.hovered {
            return;
        }
        self.hovered = hovered;
        let label = hovered.map(|i| self.label_of(i));
        if let Some(set) = self.set_tooltip.as_ref() {
            set.set(label);
        }
        self.on_hover.emit(hovered);
    }
}

/// Ask for a frame (at most one pending).
fn request_frame(inner: &Rc<RefCell<Inner>>) {
    let mut s = inner.borrow_mut();
    if s.frame_pending {
        return;
    }
    if s.frame_callback.is_none() {
        let weak: Weak<RefCell<Inner>> = Rc::downgrade(inner);
        s.frame_callback = Some(Closure::new(move || {
            if let Some(inner) = weak.upgrade() {
                let again = inner.borrow_mut().draw();
                if again {
                    request_frame(&inner);
                }
            }
        }));
    }
    let Some(window) = web_sys::window() else { return };
    if let Some(cb) = s.frame_callback.as_ref() {
        if window.request_animation_frame(cb.as_ref().unchecked_ref()).is_ok() {
            s.frame_pending = true;
        }
    }
}

/// Above this many nodes + edges, the overview is drawn from a raster built once per layout, and
/// a zoomed-in frame drawn while the view moves (zoom, pan) is the last full frame moved and
/// scaled on the GPU (one textured quad), the full frame following [`SETTLE_MS`] after the last
/// movement: a full frame of a big graph can take longer than an animation frame on weak or
/// software-rendered GPUs, the raster and the moved copy never do.
pub const BIG_GRAPH: usize = 20_000;
/// The overview raster is used while a texel covers at most this many device pixels (1 at the
/// fitted zoom); zoomed in further the edges and nodes are drawn as geometry, sharp.
pub const RASTER_MAX_MAGNIFICATION: f32 = 1.5;
/// Quiet time after the last zoom or pan before the full frame (with edges) is drawn.
pub const SETTLE_MS: u32 = 160;
/// The settled full frame is drawn in steps that fill the viewport about this many times
/// (`Renderer::draw_settled_step`; a moved kept frame fills it once): ~20 ms each on software
/// GL, where the whole frame zoomed in 4x takes 130-190 ms.
pub const SETTLE_STEP_FILL: f32 = 1.5;
/// While the view moves, zoomed in, the full frame is drawn instead of the moved kept frame
/// when it fills the viewport at most this many times over (`Renderer::frame_fill`; the moved
/// frame fills it once, and costs that plus the frame it moves).
pub const MOVING_FULL_FRAME_FILL: f32 = 1.0;

/// The view moved (zoom or pan): draw a fast frame now and the full frame once it settles.
fn moved(inner: &Rc<RefCell<Inner>>) {
    {
        let mut s = inner.borrow_mut();
        s.moving = true;
        let weak = Rc::downgrade(inner);
        // Replacing the timeout cancels the previous one.
        s.settle = Some(gloo::timers::callback::Timeout::new(SETTLE_MS, move || {
            if let Some(inner) = weak.upgrade() {
                {
                    let mut s = inner.borrow_mut();
                    s.moving = false;
                    s.settle = None;
                }
                request_frame(&inner);
            }
        }));
    }
    request_frame(inner);
}

/// A pointer position relative to the canvas' top-left corner, in CSS pixels.
fn canvas_point(canvas: &HtmlCanvasElement, client_x: i32, client_y: i32) -> [f32; 2] {
    let r = canvas.get_bounding_client_rect();
    [client_x as f32 - r.left() as f32, client_y as f32 - r.top() as f32]
}

/// Keyboard steps: zoom factor per key press and pan distance (CSS px) per arrow press.
const KEY_ZOOM: f32 = 1.25;
const KEY_PAN: f32 = 60.0;

#[function_component(NetworkView)]
pub fn network_view(props: &NetworkViewProps) -> Html {
    let canvas_ref = use_node_ref();
    let tooltip_ref = use_node_ref();
    let tooltip = use_state_eq(|| None::<String>);
    let error = use_state_eq(|| None::<String>);
    let dragging = use_state_eq(|| false);
    let inner: Rc<RefCell<Inner>> = use_mut_ref(Inner::default);
    {
        let mut s = inner.borrow_mut();
        s.on_select = props.on_select.clone();
        s.on_hover = props.on_hover.clone();
        s.label = props.label.clone();
        s.set_tooltip = Some(tooltip.setter());
    }

    // Mount: WebGL context, wheel listener (non-passive, to keep the page from scrolling),
    // resize observer. Torn down on unmount.
    {
        let inner = inner.clone();
        let canvas_ref = canvas_ref.clone();
        let tooltip_ref = tooltip_ref.clone();
        let error = error.clone();
        use_effect_with((), move |_| {
            let mut keep: Option<Mounted> = None;
            if let Some(canvas) = canvas_ref.cast::<HtmlCanvasElement>() {
                {
                    let mut s = inner.borrow_mut();
                    s.canvas = Some(canvas.clone());
                    s.tooltip = tooltip_ref.cast::<HtmlElement>();
                    match Renderer::new(&canvas) {
                        Ok(r) => {
                            s.renderer = Some(r);
                            // A graph that arrived first is uploaded now.
                            let g = s.graph.clone();
                            s.set_graph(g);
                        }
                        Err(e) => error.set(Some(e)),
                    }
                }
                let wheel = {
                    let inner = inner.clone();
                    let canvas = canvas.clone();
                    EventListener::new_with_options(
                        &canvas.clone(),
                        "wheel",
                        EventListenerOptions::enable_prevent_default(),
                        move |e| {
                            let Some(e) = e.dyn_ref::<WheelEvent>() else { return };
                            e.prevent_default();
                            let unit = match e.delta_mode() {
                                WheelEvent::DOM_DELTA_LINE => 40.0,
                                WheelEvent::DOM_DELTA_PAGE => 800.0,
                                _ => 1.0,
                            };
                            let dy = (e.delta_y() * unit).clamp(-600.0, 600.0) as f32;
                            let at = canvas_point(&canvas, e.client_x(), e.client_y());
                            {
                                let mut s = inner.borrow_mut();
                                s.view.zoom_at((-dy * 0.0018).exp(), at[0], at[1]);
                                s.auto_fit = false;
                            }
                            moved(&inner);
                        },
                    )
                };
                let on_resize: Closure<dyn FnMut()> = {
                    let inner = inner.clone();
                    Closure::new(move || {
                        if inner.borrow_mut().sync_size() {
                            request_frame(&inner);
                        }
                    })
                };
                // Without ResizeObserver the canvas is still sized on every frame (in draw).
                let observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok();
                if let Some(o) = observer.as_ref() {
                    o.observe(&canvas);
                }
                keep = Some((wheel, observer, on_resize));
                request_frame(&inner);
            }
            let inner = inner.clone();
            move || {
                if let Some((wheel, observer, on_resize)) = keep {
                    if let Some(o) = observer {
                        o.disconnect();
                    }
                    drop(wheel);
                    drop(on_resize);
                }
                let mut s = inner.borrow_mut();
                s.frame_callback = None;
                s.settle = None;
                s.renderer = None;
                s.canvas = None;
            }
        });
    }

    // New graph: upload, index, fit.
    {
        let inner = inner.clone();
        use_effect_with(GraphKey(props.graph.clone()), move |g| {
            inner.borrow_mut().set_graph(g.0.clone());
            request_frame(&inner);
        });
    }
    // New selection: highlight pass.
    {
        let inner = inner.clone();
        use_effect_with(props.selected, move |sel| {
            inner.borrow_mut().set_selected(*sel);
            request_frame(&inner);
        });
    }

    let onpointerdown = {
        let inner = inner.clone();
        Callback::from(move |e: PointerEvent| {
            if e.button() != 0 {
                return;
            }
            let mut s = inner.borrow_mut();
            let Some(canvas) = s.canvas.clone() else { return };
            let at = canvas_point(&canvas, e.client_x(), e.client_y());
            let _ = canvas.set_pointer_capture(e.pointer_id());
            s.drag = Some(Drag { pointer: e.pointer_id(), start: at, last: at, moved: false });
        })
    };
    let onpointermove = {
        let inner = inner.clone();
        let dragging = dragging.clone();
        Callback::from(move |e: PointerEvent| {
            let mut s = inner.borrow_mut();
            let Some(canvas) = s.canvas.clone() else { return };
            let at = canvas_point(&canvas, e.client_x(), e.client_y());
            if let Some(mut d) = s.drag.filter(|d| d.pointer == e.pointer_id()) {
                if !d.moved && ((at[0] - d.start[0]).abs() + (at[1] - d.start[1]).abs()) > CLICK_SLOP {
                    d.moved = true;
                    dragging.set(true);
                }
                if d.moved {
                    s.view.pan(at[0] - d.last[0], at[1] - d.last[1]);
                    s.auto_fit = false;
                    d.last = at;
                    s.drag = Some(d);
                    s.set_hover(None, at);
                    drop(s);
                    moved(&inner);
                    return;
                }
                s.drag = Some(d);
            }
            let hit = s.pick(at[0], at[1]);
            s.set_hover(hit, at);
        })
    };
    let onpointerup = {
        let inner = inner.clone();
        let dragging = dragging.clone();
        Callback::from(move |e: PointerEvent| {
            let mut s = inner.borrow_mut();
            let Some(d) = s.drag.take() else { return };
            dragging.set(false);
            if d.moved || d.pointer != e.pointer_id() {
                return;
            }
            let Some(canvas) = s.canvas.clone() else { return };
            let at = canvas_point(&canvas, e.client_x(), e.client_y());
            let hit = s.pick(at[0], at[1]);
            let cb = s.on_select.clone();
            drop(s);
            cb.emit(hit);
        })
    };
    let onpointerleave = {
        let inner = inner.clone();
        Callback::from(move |_: PointerEvent| {
            let mut s = inner.borrow_mut();
            if s.drag.is_none() {
                s.set_hover(None, [0.0, 0.0]);
            }
        })
    };
    let onkeydown = {
        let inner = inner.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let mut s = inner.borrow_mut();
            let (cx, cy) = (s.view.width / 2.0, s.view.height / 2.0);
            match e.key().as_str() {
                "+" | "=" => s.view.zoom_at(KEY_ZOOM, cx, cy),
                "-" | "_" => s.view.zoom_at(1.0 / KEY_ZOOM, cx, cy),
                "ArrowLeft" => s.view.pan(KEY_PAN, 0.0),
                "ArrowRight" => s.view.pan(-KEY_PAN, 0.0),
                "ArrowUp" => s.view.pan(0.0, KEY_PAN),
                "ArrowDown" => s.view.pan(0.0, -KEY_PAN),
                "0" => {
                    let g = s.graph.clone();
                    s.view.fit(&g);
                    s.auto_fit = true;
                }
                "Escape" => {
                    let cb = s.on_select.clone();
                    drop(s);
                    e.prevent_default();
                    cb.emit(None);
                    return;
                }
                _ => return,
            }
            if e.key() != "0" {
                s.auto_fit = false;
            }
            e.prevent_default();
            drop(s);
            moved(&inner);
        })
    };
    let button = |label: &'static str, title: &'static str, fits: bool, act: fn(&mut View, &GraphData)| {
        let inner = inner.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            {
                let mut s = inner.borrow_mut();
                let g = s.graph.clone();
                act(&mut s.view, &g);
                s.auto_fit = fits;
            }
            request_frame(&inner);
        });
        html! { <button type="button" class="nv-button" title={title} aria-label={title} {onclick}>{label}</button> }
    };

    let class = classes!("network-view", (*dragging).then_some("nv-dragging"), props.class.clone());
    html! {
        <div {class} data-testid="network-view" tabindex="0" role="application"
             aria-label="Network of coordinated accounts. Arrow keys pan, plus and minus zoom, 0 fits, Escape clears the selection."
             {onkeydown}>
            <canvas ref={canvas_ref} class="nv-canvas"
                {onpointerdown} {onpointermove} {onpointerup} {onpointerleave} />
            if let Some(msg) = (*error).clone() {
                <div class="nv-message" role="alert">{ format!("The network cannot be drawn: {msg}.") }</div>
            }
            <div ref={tooltip_ref} class="nv-tooltip" role="tooltip" hidden={tooltip.is_none()}>
                { (*tooltip).clone().unwrap_or_default() }
            </div>
            <div class="nv-controls">
                { button("+", "Zoom in", false, |v, _| v.zoom_at(KEY_ZOOM, v.width / 2.0, v.height / 2.0)) }
                { button("\u{2212}", "Zoom out", false, |v, _| v.zoom_at(1.0 / KEY_ZOOM, v.width / 2.0, v.height / 2.0)) }
                { button("\u{2922}", "Fit the whole network", true, |v, g| v.fit(g)) }
            </div>
        </div>
    }
}

/// What the mount effect keeps alive until unmount: the wheel listener, the resize observer and
/// its callback.
type Mounted = (EventListener, Option<web_sys::ResizeObserver>, Closure<dyn FnMut()>);

/// The graph compared by identity (for `use_effect_with`).
struct GraphKey(Rc<GraphData>);
impl PartialEq for GraphKey {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The canvas of the (first) network view on the page, for [`super::gl::export_png`].
pub fn find_canvas() -> Option<HtmlCanvasElement> {
    web_sys::window()?.document()?.query_selector("[data-testid=\"network-view\"] canvas").ok()??.dyn_into().ok()
}

/// The network view on the page as a PNG `data:` URL.
pub fn export_view_png() -> Result<String, String> {
    let canvas = find_canvas().ok_or_else(|| "there is no network view on the page to export".to_string())?;
    super::gl::export_png(&canvas)
}
