//! Browser tests of the network view and the charts (headless Chromium):
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown --test web_viz -- --nocapture`
//!
//! The frame-time measurement (`CHORUS_FRAME_NODES` nodes, default 50k) prints its numbers (it
//! asserts only that frames were drawn: wall-clock times are checked by benchmarks, never by
//! tests).
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use chorus::ui::charts::{format_day, HourProfile, HourProfileProps, Series, Timeline, TimelineProps};
use chorus::ui::gl::cull::{segments_meeting, CullIndex, MAX_RANGES};
use chorus::ui::gl::{export_png, sub_ranges, RasterSpec, Renderer, BACKGROUND};
use chorus::ui::network_view::{
    GraphData, NetworkView, NetworkViewProps, SpatialIndex, View, BIG_GRAPH, MOVING_FULL_FRAME_FILL, SETTLE_MS,
    SETTLE_STEP_FILL,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlCanvasElement, HtmlElement, WebGlRenderingContext as Gl};
use yew::Callback;

wasm_bindgen_test_configure!(run_in_browser);

/// A seeded xorshift64 source of the tests' random graphs and views.
fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut z = seed;
    move || {
        z ^= z << 13;
        z ^= z >> 7;
        z ^= z << 17;
        z
    }
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh host element of a given CSS size (set through the CSSOM, as the app does).
fn host(width_px: u32, height_px: u32) -> Element {
    let div = document().create_element("div").unwrap();
    let s = div.unchecked_ref::<HtmlElement>().style();
    s.set_property("width", &format!("{width_px}px")).unwrap();
    s.set_property("height", &format!("{height_px}px")).unwrap();
    s.set_property("position", "relative").unwrap();
    document().body().unwrap().append_child(&div).unwrap();
    div
}

async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().request_animation_frame(&resolve).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

async fn frames(n: usize) {
    for _ in 0..n {
        next_frame().await;
    }
}

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

/// The canvas inside `root`, sized by CSS to `w` x `h` CSS pixels.
fn canvas_in(root: &Element, w: u32, h: u32) -> HtmlCanvasElement {
    let c: HtmlCanvasElement = root.query_selector("canvas").unwrap().expect("a canvas").dyn_into().unwrap();
    let s = c.style();
    s.set_property("width", &format!("{w}px")).unwrap();
    s.set_property("height", &format!("{h}px")).unwrap();
    s.set_property("display", "block").unwrap();
    c
}

fn read_pixels(canvas: &HtmlCanvasElement) -> Vec<u8> {
    let gl: Gl = canvas.get_context("webgl").unwrap().expect("the view's WebGL context").dyn_into().unwrap();
    let (w, h) = (canvas.width() as i32, canvas.height() as i32);
    let mut buf = vec![0u8; (w * h * 4) as usize];
    gl.read_pixels_with_opt_u8_array(0, 0, w, h, Gl::RGBA, Gl::UNSIGNED_BYTE, Some(&mut buf)).unwrap();
    buf
}

fn background_bytes() -> [u8; 3] {
    [0, 1, 2].map(|k| (BACKGROUND[k] * 255.0).round() as u8)
}

fn differs_from_background(px: &[u8]) -> bool {
    let bg = background_bytes();
    (0..3).any(|k| (px[k] as i32 - bg[k] as i32).abs() > 8)
}

/// Three nodes in a right angle and two edges: 0-1, 0-2.
fn small_graph() -> Rc<GraphData> {
    Rc::new(GraphData {
        positions: vec![0.0, 0.0, 100.0, 0.0, 0.0, 100.0],
        colors: vec![200, 30, 30, 255, 30, 120, 200, 255, 30, 160, 60, 255],
        sizes: vec![12.0, 12.0, 12.0],
        edges: vec![0, 1, 0, 2],
        labels: vec!["@alpha".into(), "@bravo".into(), "@charlie".into()],
    })
}

struct Recorded {
    hovers: Rc<RefCell<Vec<Option<u32>>>>,
    selects: Rc<RefCell<Vec<Option<u32>>>>,
}

fn mount_view(root: &Element, graph: Rc<GraphData>, selected: Option<u32>) -> Recorded {
    let hovers = Rc::new(RefCell::new(Vec::new()));
    let selects = Rc::new(RefCell::new(Vec::new()));
    let (h, s) = (hovers.clone(), selects.clone());
    let props = NetworkViewProps {
        graph,
        selected,
        on_select: Callback::from(move |v| s.borrow_mut().push(v)),
        on_hover: Callback::from(move |v| h.borrow_mut().push(v)),
        label: None,
        class: Default::default(),
    };
    yew::Renderer::<NetworkView>::with_root_and_props(root.clone(), props).render();
    Recorded { hovers, selects }
}

fn pointer(kind: &str, target: &HtmlCanvasElement, sx: f32, sy: f32) {
    let r = target.get_bounding_client_rect();
    let init = web_sys::PointerEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_composed(true);
    init.set_pointer_id(1);
    init.set_is_primary(true);
    init.set_button(0);
    init.set_client_x((r.left() as f32 + sx).round() as i32);
    init.set_client_y((r.top() as f32 + sy).round() as i32);
    let e = web_sys::PointerEvent::new_with_event_init_dict(kind, &init).unwrap();
    target.dispatch_event(&e).unwrap();
}

/// Where the view puts world point `p` on a `w` x `h` canvas right after fitting `graph`.
fn screen_of(graph: &GraphData, w: f32, h: f32, p: [f32; 2]) -> [f32; 2] {
    let mut v = View { width: w, height: h, ..View::default() };
    v.fit(graph);
    v.world_to_screen(p)
}

#[wasm_bindgen_test]
async fn network_view_draws_nodes_and_edges() {
    let root = host(400, 300);
    let graph = small_graph();
    mount_view(&root, graph.clone(), None);
    frames(1).await;
    let canvas = canvas_in(&root, 400, 300);
    frames(3).await;
    let dpr = web_sys::window().unwrap().device_pixel_ratio();
    assert_eq!(canvas.width(), (400.0 * dpr).round() as u32, "drawing buffer follows CSS size x devicePixelRatio");
    let px = read_pixels(&canvas);
    let painted = px.chunks_exact(4).filter(|p| differs_from_background(p)).count();
    assert!(painted > 100, "only {painted} painted pixels");
    // The red node 0 is drawn where the view says (readPixels rows go bottom-up).
    let [sx, sy] = screen_of(&graph, 400.0, 300.0, [0.0, 0.0]);
    let (x, y) = ((sx as f64 * dpr) as i32, canvas.height() as i32 - 1 - (sy as f64 * dpr) as i32);
    let i = ((y * canvas.width() as i32 + x) * 4) as usize;
    assert!(px[i] > 150 && px[i + 1] < 100 && px[i + 2] < 100, "pixel at node 0 is {:?}", &px[i..i + 4]);
    // And the PNG export is a real PNG of that frame.
    let url = export_png(&canvas).unwrap();
    assert!(url.starts_with("data:image/png;base64,") && url.len() > 500, "{}", &url[..40.min(url.len())]);
    root.remove();
}

#[wasm_bindgen_test]
async fn hover_and_click_pick_the_node_under_the_pointer() {
    let root = host(400, 300);
    let graph = small_graph();
    let rec = mount_view(&root, graph.clone(), None);
    frames(1).await;
    let canvas = canvas_in(&root, 400, 300);
    frames(3).await;
    let at1 = screen_of(&graph, 400.0, 300.0, [100.0, 0.0]);
    // Slightly off the centre of node 1, still on it.
    pointer("pointermove", &canvas, at1[0] + 2.0, at1[1] - 2.0);
    assert_eq!(rec.hovers.borrow().last(), Some(&Some(1)));
    frames(1).await;
    let tooltip = root.query_selector(".nv-tooltip").unwrap().unwrap();
    assert_eq!(tooltip.text_content().unwrap_or_default().trim(), "@bravo");
    assert!(!tooltip.has_attribute("hidden"));
    // Click: press and release without moving.
    pointer("pointerdown", &canvas, at1[0], at1[1]);
    pointer("pointerup", &canvas, at1[0], at1[1]);
    assert_eq!(rec.selects.borrow().last(), Some(&Some(1)));
    // Node 2.
    let at2 = screen_of(&graph, 400.0, 300.0, [0.0, 100.0]);
    pointer("pointermove", &canvas, at2[0], at2[1]);
    assert_eq!(rec.hovers.borrow().last(), Some(&Some(2)));
    // Empty background: hover clears, a click deselects.
    let empty = screen_of(&graph, 400.0, 300.0, [70.0, 70.0]);
    pointer("pointermove", &canvas, empty[0], empty[1]);
    assert_eq!(rec.hovers.borrow().last(), Some(&None));
    pointer("pointerdown", &canvas, empty[0], empty[1]);
    pointer("pointerup", &canvas, empty[0], empty[1]);
    assert_eq!(rec.selects.borrow().last(), Some(&None));
    // A drag pans instead of selecting: node 1 is no longer under its old screen position.
    let n_selects = rec.selects.borrow().len();
    pointer("pointerdown", &canvas, 200.0, 150.0);
    pointer("pointermove", &canvas, 260.0, 150.0);
    pointer("pointerup", &canvas, 260.0, 150.0);
    assert_eq!(rec.selects.borrow().len(), n_selects, "a drag is not a click");
    pointer("pointermove", &canvas, at1[0] + 60.0, at1[1]);
    assert_eq!(rec.hovers.borrow().last(), Some(&Some(1)), "node 1 moved 60 px right with the drag");
    root.remove();
}

fn key(target: &Element, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_key(key);
    let e = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&e).unwrap();
}

#[wasm_bindgen_test]
async fn keyboard_pans_zooms_fits_and_deselects() {
    let root = host(400, 300);
    let graph = small_graph();
    let rec = mount_view(&root, graph.clone(), Some(1));
    frames(1).await;
    let canvas = canvas_in(&root, 400, 300);
    frames(3).await;
    let view_el = root.query_selector("[data-testid=network-view]").unwrap().unwrap();
    let at1 = screen_of(&graph, 400.0, 300.0, [100.0, 0.0]);
    // ArrowRight moves the view right: the drawing shifts 60 px left.
    key(&view_el, "ArrowRight");
    pointer("pointermove", &canvas, at1[0] - 60.0, at1[1]);
    assert_eq!(rec.hovers.borrow().last(), Some(&Some(1)));
    // "0" fits again: node 1 is back at its fitted position.
    key(&view_el, "0");
    pointer("pointermove", &canvas, at1[0], at1[1]);
    assert_eq!(rec.hovers.borrow().last(), Some(&Some(1)));
    // "+" zooms around the centre: the point at the centre stays, node 1 moves outwards.
    key(&view_el, "+");
    let (cx, cy) = (200.0, 150.0);
    let zoomed = [cx + (at1[0] - cx) * 1.25, cy + (at1[1] - cy) * 1.25];
    pointer("pointermove", &canvas, zoomed[0], zoomed[1]);
    assert_eq!(rec.hovers.borrow().last(), Some(&Some(1)));
    // Escape clears the selection.
    key(&view_el, "Escape");
    assert_eq!(rec.selects.borrow().last(), Some(&None));
    root.remove();
}

#[wasm_bindgen_test]
async fn selection_is_highlighted() {
    let root = host(400, 300);
    mount_view(&root, small_graph(), Some(0));
    frames(1).await;
    let canvas = canvas_in(&root, 400, 300);
    frames(3).await;
    let px = read_pixels(&canvas);
    // Highlighted edges are drawn in orange (R > G > B), which no node of this graph uses.
    let orange = px
        .chunks_exact(4)
        .filter(|p| p[0] > 180 && p[0] as i32 - p[2] as i32 > 60 && p[1] as i32 - p[2] as i32 > 15)
        .count();
    let mut hist = std::collections::BTreeMap::new();
    for p in px.chunks_exact(4) {
        *hist.entry([p[0] / 16 * 16, p[1] / 16 * 16, p[2] / 16 * 16]).or_insert(0u32) += 1;
    }
    assert!(orange > 50, "only {orange} highlighted-edge pixels; colours: {hist:?}");
    root.remove();
}

#[wasm_bindgen_test]
async fn overview_raster_matches_the_direct_drawing() {
    let (w, h) = (400u32, 300u32);
    let graph = small_graph();
    let canvas: HtmlCanvasElement = document().create_element("canvas").unwrap().dyn_into().unwrap();
    canvas.set_width(w);
    canvas.set_height(h);
    document().body().unwrap().append_child(&canvas).unwrap();
    let mut renderer = Renderer::new(&canvas).expect("WebGL in headless Chromium");
    let edge_vertices: Vec<f32> = graph
        .edges
        .chunks_exact(2)
        .flat_map(|e| {
            let (a, b) = (e[0] as usize, e[1] as usize);
            [graph.positions[2 * a], graph.positions[2 * a + 1], graph.positions[2 * b], graph.positions[2 * b + 1]]
        })
        .collect();
    renderer.set_graph(&graph.positions, &graph.colors, &graph.sizes, &edge_vertices);
    let mut view = View { width: w as f32, height: h as f32, ..View::default() };
    view.fit(&graph);
    renderer.draw(w, h, &view.camera(), true);
    let direct = read_pixels(&canvas);
    assert!(!renderer.draw_raster(w, h, &view.camera()), "no raster before it is built");
    assert!(renderer.build_raster(&raster_spec(&graph, &view)));
    assert!(renderer.draw_raster(w, h, &view.camera()));
    let raster = read_pixels(&canvas);
    // Same picture at the fitted zoom: a few pixels may differ at rims (sub-pixel placement).
    let differing = direct
        .chunks_exact(4)
        .zip(raster.chunks_exact(4))
        .filter(|(a, b)| (0..3).any(|k| (a[k] as i32 - b[k] as i32).abs() > 40))
        .count();
    let painted = direct.chunks_exact(4).filter(|p| differs_from_background(p)).count();
    assert!(painted > 100 && differing * 10 < painted, "{differing} of {painted} painted pixels differ");
    // The red node 0 is where the view says, in the raster frame too.
    let [sx, sy] = view.world_to_screen([0.0, 0.0]);
    let i = (((h as i32 - 1 - sy as i32) * w as i32 + sx as i32) * 4) as usize;
    assert!(
        raster[i] > 150 && raster[i + 1] < 100 && raster[i + 2] < 100,
        "pixel at node 0 is {:?}",
        &raster[i..i + 4]
    );
    // Zoomed in 1.4x about a point right of node 0 (magnified raster): node 0 moved left, with
    // the picture.
    let before = view.world_to_screen([0.0, 0.0]);
    view.zoom_at(1.4, 200.0, before[1]);
    assert!(view.world_to_screen([0.0, 0.0])[0] < before[0] - 20.0);
    assert!(renderer.draw_raster(w, h, &view.camera()));
    let zoomed = read_pixels(&canvas);
    let [sx, sy] = view.world_to_screen([0.0, 0.0]);
    let i = (((h as i32 - 1 - sy as i32) * w as i32 + sx as i32) * 4) as usize;
    assert!(
        zoomed[i] > 150 && zoomed[i + 1] < 100 && zoomed[i + 2] < 100,
        "zoomed pixel at node 0 is {:?}",
        &zoomed[i..i + 4]
    );
    // A new graph drops the raster.
    renderer.set_graph(&[], &[], &[], &[]);
    assert!(renderer.raster_density().is_none());
    canvas.remove();
}

/// Edge vertices (x0, y0, x1, y1 per edge) of `graph`.
fn edge_vertices_of(graph: &GraphData) -> Vec<f32> {
    let mut v = Vec::with_capacity(2 * graph.edges.len());
    for e in graph.edges.chunks_exact(2) {
        let (a, b) = (e[0] as usize, e[1] as usize);
        v.extend_from_slice(&[
            graph.positions[2 * a],
            graph.positions[2 * a + 1],
            graph.positions[2 * b],
            graph.positions[2 * b + 1],
        ]);
    }
    v
}

/// A renderer of `big_graph(3000, 12000)` on a new `w` x `h` canvas in the page, and the view
/// that fits the graph.
fn big_graph_on_canvas(w: u32, h: u32) -> (Rc<GraphData>, HtmlCanvasElement, Renderer, View) {
    let graph = big_graph(3000, 12000);
    let canvas: HtmlCanvasElement = document().create_element("canvas").unwrap().dyn_into().unwrap();
    canvas.set_width(w);
    canvas.set_height(h);
    document().body().unwrap().append_child(&canvas).unwrap();
    let mut renderer = Renderer::new(&canvas).expect("WebGL in headless Chromium");
    renderer.set_graph(&graph.positions, &graph.colors, &graph.sizes, &edge_vertices_of(&graph));
    let mut fitted = View { width: w as f32, height: h as f32, ..View::default() };
    fitted.fit(&graph);
    (graph, canvas, renderer, fitted)
}

#[wasm_bindgen_test]
async fn culled_frames_match_drawing_everything() {
    let (w, h) = (400u32, 300u32);
    let (graph, canvas, mut renderer, fitted) = big_graph_on_canvas(w, h);
    // (zoom factor, world point zoomed about, pan in CSS px): the centre, the graph's corners
    // and sides (blobs sit at 0..900 on both axes, 30 units wide), views partly outside the
    // graph, one wholly outside.
    let views: [(f32, [f32; 2], [f32; 2]); 9] = [
        (2.0, [450.0, 450.0], [0.0, 0.0]),
        (4.0, [450.0, 450.0], [13.0, -7.0]),
        (4.0, [-20.0, -20.0], [0.0, 0.0]),
        (9.0, [920.0, 915.0], [0.0, 0.0]),
        (16.0, [500.0, 400.0], [0.0, 0.0]),
        (16.0, [-25.0, 450.0], [150.0, 0.0]),
        (6.0, [925.0, -25.0], [-120.0, 90.0]),
        (40.0, [100.0, 95.0], [0.0, 0.0]),
        (8.0, [450.0, 450.0], [5000.0, 5000.0]),
    ];
    let mut culled_somewhere = false;
    for selection in [false, true] {
        select(&mut renderer, &graph, selection.then_some(7));
        for (k, &(factor, at, pan)) in views.iter().enumerate() {
            let mut v = fitted;
            let at = fitted.world_to_screen(at);
            v.zoom_at(factor, at[0], at[1]);
            v.pan(pan[0], pan[1]);
            let camera = v.camera();
            renderer.set_culling(true);
            let (n_edges, n_nodes) = renderer.drawn_counts(w, h, &camera);
            culled_somewhere |= (n_edges as usize) < graph.edges.len() / 4 && (n_nodes as usize) < 3000 / 2;
            renderer.draw(w, h, &camera, true);
            let culled = read_pixels(&canvas);
            renderer.set_culling(false);
            renderer.draw(w, h, &camera, true);
            let all = read_pixels(&canvas);
            let painted = all.chunks_exact(4).filter(|p| differs_from_background(p)).count();
            if k < 8 {
                assert!(painted > 500, "view {k}: only {painted} painted pixels");
            }
            let differing = culled.chunks_exact(4).zip(all.chunks_exact(4)).filter(|(a, b)| a != b).count();
            assert_eq!(differing, 0, "view {k} (selection {selection}): {n_edges} edges, {n_nodes} nodes drawn");
        }
    }
    assert!(culled_somewhere, "no view was culled");
    canvas.remove();
}

/// Give `renderer` the selection pass of node `s` (its neighbours and edges, drawn on top, as the
/// view does), or none.
fn select(renderer: &mut Renderer, graph: &GraphData, s: Option<usize>) {
    let Some(s) = s else {
        renderer.set_highlight(&[], &[], &[], &[]);
        return;
    };
    let mut neighbours: Vec<usize> = graph
        .edges
        .chunks_exact(2)
        .filter_map(|e| match (e[0] as usize, e[1] as usize) {
            (a, b) if a == s => Some(b),
            (a, b) if b == s => Some(a),
            _ => None,
        })
        .collect();
    neighbours.push(s);
    let p = |i: usize| [graph.positions[2 * i], graph.positions[2 * i + 1]];
    let hl_edges: Vec<f32> = neighbours.iter().flat_map(|&j| [p(s)[0], p(s)[1], p(j)[0], p(j)[1]]).collect();
    let hl_pos: Vec<f32> = neighbours.iter().flat_map(|&j| p(j)).collect();
    let hl_col: Vec<u8> = neighbours.iter().flat_map(|_| [250, 120, 0, 255]).collect();
    let hl_size: Vec<f32> = neighbours.iter().map(|_| 9.0).collect();
    renderer.set_highlight(&hl_pos, &hl_col, &hl_size, &hl_edges);
}

/// A settled frame drawn in steps (`Renderer::draw_settled_step`) is the frame drawn at once
/// (`draw_and_keep`), pixel for pixel, with and without a selection, culled or not; until its
/// last step the canvas keeps what it showed; each step keeps to its fill budget; a step for
/// another camera, or after the selection changed, starts the frame over.
#[wasm_bindgen_test]
async fn settled_frames_drawn_in_steps_match_the_frame_drawn_at_once() {
    let (w, h) = (400u32, 300u32);
    let (graph, canvas, mut renderer, fitted) = big_graph_on_canvas(w, h);
    let view = |factor: f32, at: [f32; 2], pan: [f32; 2]| {
        let mut v = fitted;
        let at = fitted.world_to_screen(at);
        v.zoom_at(factor, at[0], at[1]);
        v.pan(pan[0], pan[1]);
        v.camera()
    };
    let budget = 0.05;
    // Steps until done: their number and the edges and nodes they drew; checks the budget and
    // that the canvas keeps `shown`.
    let settle = |renderer: &mut Renderer, camera, shown: &[u8]| {
        let (mut steps, mut edges, mut nodes) = (0, 0, 0);
        loop {
            let step = renderer.draw_settled_step(w, h, &camera, budget).expect("an offscreen frame");
            steps += 1;
            edges += step.edges;
            nodes += step.nodes;
            if step.done {
                return (steps, edges, nodes);
            }
            // (at least one primitive a step, or only the clear of a new frame)
            assert!(step.fill <= budget || step.edges + step.nodes <= 1, "step {steps}: {step:?}");
            if steps <= 3 {
                assert!(read_pixels(&canvas) == shown, "step {steps} changed the canvas before the frame was complete");
            }
            assert!(steps < 100_000, "no end");
        }
    };
    let views = [
        (2.0, [450.0, 450.0], [0.0, 0.0]),
        (4.0, [450.0, 450.0], [13.0, -7.0]),
        (9.0, [920.0, 915.0], [0.0, 0.0]),
        (16.0, [-25.0, 450.0], [150.0, 0.0]),
        (8.0, [450.0, 450.0], [5000.0, 5000.0]),
    ];
    for culling in [true, false] {
        renderer.set_culling(culling);
        for selection in [None, Some(7)] {
            select(&mut renderer, &graph, selection);
            for (k, &(factor, at, pan)) in views.iter().enumerate() {
                let camera = view(factor, at, pan);
                renderer.draw_and_keep(w, h, &camera);
                let at_once = read_pixels(&canvas);
                // (a kept frame of this view would have the selection shown over it at once)
                renderer.forget_kept_frame();
                // What the canvas shows before: the nodes alone, fitted.
                renderer.draw(w, h, &fitted.camera(), false);
                let before = read_pixels(&canvas);
                let (steps, edges, nodes) = settle(&mut renderer, camera, &before);
                if k < 4 {
                    assert!(steps > 3, "view {k}: only {steps} steps at a budget of {budget}");
                }
                if culling {
                    assert_eq!((edges, nodes), renderer.drawn_counts(w, h, &camera), "view {k}: drawn in steps");
                } else {
                    assert_eq!((edges as usize, nodes as usize), (graph.edges.len() / 2, graph.n_nodes()), "view {k}");
                }
                let in_steps = read_pixels(&canvas);
                let differing = in_steps.chunks_exact(4).zip(at_once.chunks_exact(4)).filter(|(a, b)| a != b).count();
                assert_eq!(differing, 0, "view {k} (culling {culling}, selection {selection:?}): {steps} steps");
                // The frame is kept: moved to its own camera it is the same picture.
                renderer.draw(w, h, &fitted.camera(), false);
                assert!(renderer.draw_moved(w, h, &camera));
                assert!(read_pixels(&canvas) == at_once, "view {k}: the kept frame differs");
            }
        }
    }
    // Started for one view, finished for another: the other's frame.
    renderer.set_culling(true);
    select(&mut renderer, &graph, None);
    let (a, b) = (view(4.0, [450.0, 450.0], [0.0, 0.0]), view(6.0, [300.0, 600.0], [0.0, 0.0]));
    renderer.draw_and_keep(w, h, &b);
    let b_at_once = read_pixels(&canvas);
    for _ in 0..3 {
        assert!(!renderer.draw_settled_step(w, h, &a, budget).unwrap().done);
    }
    let shown = read_pixels(&canvas);
    settle(&mut renderer, b, &shown);
    assert!(read_pixels(&canvas) == b_at_once, "a frame started for another view leaked into this one");
    // A selection made while the frame is drawn: the frame has it.
    for _ in 0..3 {
        assert!(!renderer.draw_settled_step(w, h, &a, budget).unwrap().done);
    }
    select(&mut renderer, &graph, Some(7));
    let shown = read_pixels(&canvas);
    settle(&mut renderer, a, &shown);
    let selected_in_steps = read_pixels(&canvas);
    renderer.draw_and_keep(w, h, &a);
    assert!(read_pixels(&canvas) == selected_in_steps, "the selection made meanwhile is missing");
    // A node selected while the kept frame shows this very view: the first step shows the
    // selection over it at once (orange, which no node of this graph uses), the last the frame.
    select(&mut renderer, &graph, None);
    settle(&mut renderer, a, &read_pixels(&canvas));
    let unselected = read_pixels(&canvas);
    let orange = |px: &[u8]| {
        px.chunks_exact(4)
            .filter(|p| p[0] > 180 && p[0] as i32 - p[2] as i32 > 60 && p[1] as i32 - p[2] as i32 > 15)
            .count()
    };
    assert_eq!(orange(&unselected), 0);
    select(&mut renderer, &graph, Some(7));
    let first = renderer.draw_settled_step(w, h, &a, budget).unwrap();
    assert!(!first.done && first.edges + first.nodes == 0, "{first:?}");
    let at_once = read_pixels(&canvas);
    assert!(orange(&at_once) > 30, "the selection is not shown at once ({} orange pixels)", orange(&at_once));
    settle(&mut renderer, a, &at_once);
    assert!(read_pixels(&canvas) == selected_in_steps, "the selected frame in steps differs");
    canvas.remove();
}

/// `sub_ranges` (the nodes of a settled frame's step) is the slice of the ranges' items taken
/// one by one, for every slice of a few range lists.
#[wasm_bindgen_test]
fn sub_ranges_match_the_items_taken_one_by_one() {
    let lists: [Vec<std::ops::Range<u32>>; 4] =
        [vec![], vec![0..10, 10..10], vec![3..5, 7..7, 9..14, 20..21], vec![0..1, 1..2, 5..9]];
    let mut out = Vec::new();
    for ranges in &lists {
        let items: Vec<u32> = ranges.iter().flat_map(|r| r.clone()).collect();
        let n = items.len() as u32;
        for from in 0..=n {
            for to in from..=n + 2 {
                sub_ranges(ranges, from, to, &mut out);
                let got: Vec<u32> = out.iter().flat_map(|r| r.clone()).collect();
                assert_eq!(got, items[from as usize..(to.min(n)) as usize], "{ranges:?} {from}..{to}");
                assert!(out.iter().all(|r| r.start < r.end), "{ranges:?} {from}..{to}: empty range in {out:?}");
            }
        }
    }
}

/// Whether segment `s` (x0, y0, x1, y1) meets the rectangle `r` (x0, y0, x1, y1), exactly
/// (f64 clipping of the segment's parameter range); non-finite segments count as meeting it.
fn segment_meets(s: &[f32], r: [f32; 4]) -> bool {
    if !s.iter().all(|v| v.is_finite()) {
        return true;
    }
    let (ax, ay, bx, by) = (s[0] as f64, s[1] as f64, s[2] as f64, s[3] as f64);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-(bx - ax), ax - r[0] as f64),
        (bx - ax, r[2] as f64 - ax),
        (-(by - ay), ay - r[1] as f64),
        (by - ay, r[3] as f64 - ay),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    t0 <= t1
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms).unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

fn wheel_at(canvas: &HtmlCanvasElement, sx: f64, sy: f64, delta: f64) {
    let init = web_sys::WheelEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_delta_y(delta);
    let r = canvas.get_bounding_client_rect();
    init.set_client_x((r.left() + sx) as i32);
    init.set_client_y((r.top() + sy) as i32);
    canvas.dispatch_event(&web_sys::WheelEvent::new_with_event_init_dict("wheel", &init).unwrap()).unwrap();
}

/// The fill estimate that picks full frames over moved ones while moving: the whole graph
/// fills the view many times over, a far zoom-in a fraction of it.
#[wasm_bindgen_test]
fn frame_fill_is_high_at_overview_and_low_zoomed_in_far() {
    let (w, h) = (400u32, 300u32);
    let graph = big_graph(3000, 12000);
    let canvas: HtmlCanvasElement = document().create_element("canvas").unwrap().dyn_into().unwrap();
    canvas.set_width(w);
    canvas.set_height(h);
    let mut renderer = Renderer::new(&canvas).expect("WebGL in headless Chromium");
    renderer.set_graph(&graph.positions, &graph.colors, &graph.sizes, &edge_vertices_of(&graph));
    let mut v = View { width: w as f32, height: h as f32, ..View::default() };
    v.fit(&graph);
    let fitted = renderer.frame_fill(w, h, &v.camera());
    let mut far = v;
    far.zoom_at(60.0, 200.0, 150.0);
    let zoomed = renderer.frame_fill(w, h, &far.camera());
    let mut outside = v;
    outside.pan(5000.0, 0.0);
    let empty = renderer.frame_fill(w, h, &outside.camera());
    assert!(fitted > 3.0, "fitted view fills {fitted}");
    assert!(zoomed > 0.0 && zoomed < MOVING_FULL_FRAME_FILL, "60x view fills {zoomed}");
    assert!(empty < 0.05, "a view beside the graph fills {empty}");
}

/// Zoomed in far on a big graph, a frame drawn while the view moves is the full frame (the
/// one drawn once the movement has settled), not a moved and scaled copy of an older one.
#[wasm_bindgen_test]
async fn moving_far_zoomed_in_draws_full_frames() {
    let (w, h) = (400u32, 300u32);
    let graph = big_graph(5000, 20000);
    assert!(graph.n_nodes() + graph.edges.len() / 2 > BIG_GRAPH, "drawn with the big-graph paths");
    let root = host(w, h);
    mount_view(&root, graph, None);
    frames(1).await;
    let canvas = canvas_in(&root, w, h);
    frames(3).await;
    // Zoom in about the centre to ~65x (e^(0.108 * 39)), then let it settle.
    for _ in 0..39 {
        wheel_at(&canvas, 200.0, 150.0, -60.0);
    }
    frames(2).await;
    sleep_ms(SETTLE_MS as i32 + 100).await;
    frames(2).await;
    // One more zoom step: the frame right after it, while moving, and after settling.
    wheel_at(&canvas, 230.0, 170.0, -30.0);
    frames(1).await;
    let moving = read_pixels(&canvas);
    sleep_ms(SETTLE_MS as i32 + 100).await;
    frames(2).await;
    let settled = read_pixels(&canvas);
    let painted = settled.chunks_exact(4).filter(|p| differs_from_background(p)).count();
    assert!(painted > 200, "only {painted} painted pixels zoomed in");
    let differing = moving.chunks_exact(4).zip(settled.chunks_exact(4)).filter(|(a, b)| a != b).count();
    assert_eq!(differing, 0, "the frame while moving differs from the settled one");
    root.remove();
}

/// Every segment or point whose box meets the grown view is inside the drawn ranges, the
/// ranges are ascending, disjoint and few, and zoomed-in views draw a small part.
#[wasm_bindgen_test]
fn cull_ranges_hold_every_primitive_in_view() {
    let mut next = xorshift(0x2545_F491_4F6C_DD1D);
    let unit = |v: u64| (v >> 40) as f32 / (1u64 << 24) as f32;
    for trial in 0..6 {
        let n = [1usize, 7, 300, 4000, 12000, 20000][trial];
        let mut segments = Vec::with_capacity(4 * n);
        for i in 0..n {
            let (x, y) = (unit(next()) * 1000.0 - 300.0, unit(next()) * 600.0 + 50.0);
            let len = [2000.0, 100.0, 100.0, 8.0, 8.0, 8.0, 8.0, 8.0, 0.0, 8.0][i % 10] * unit(next());
            let a = unit(next()) * std::f32::consts::TAU;
            segments.extend_from_slice(&[x, y, x + len * a.cos(), y + len * a.sin()]);
            if i % 997 == 5 {
                segments[4 * i + 1] = f32::NAN;
            }
        }
        let points: Vec<f32> = segments.chunks_exact(4).flat_map(|s| [s[0], s[1]]).collect();
        for (kind, index, order) in [
            ("segments", CullIndex::segments(&segments).0, CullIndex::segments(&segments).1),
            ("points", CullIndex::points(&points).0, CullIndex::points(&points).1),
        ] {
            assert_eq!(index.len() as usize, n);
            let mut at = vec![u32::MAX; n];
            for (k, &i) in order.iter().enumerate() {
                at[i as usize] = k as u32;
            }
            assert!(at.iter().all(|&k| k != u32::MAX), "order is a permutation");
            let mut out = Vec::new();
            let mut drawn_small = 0usize;
            for q in 0..200 {
                let half = [0.5, 10.0, 60.0, 300.0, 3000.0][q % 5] * unit(next());
                let c = [unit(next()) * 1600.0 - 600.0, unit(next()) * 1000.0 - 200.0];
                let (min, max) = ([c[0] - half, c[1] - 0.6 * half], [c[0] + half, c[1] + 0.6 * half]);
                let margin = [0.5 * unit(next()), 0.5 * unit(next())];
                index.ranges(min, max, margin, &mut out);
                assert!(out.len() <= MAX_RANGES + 1, "{kind}: {} ranges", out.len());
                assert!(out.windows(2).all(|r| r[0].end < r[1].start && r[0].start < r[0].end), "{out:?}");
                if q % 5 == 1 {
                    drawn_small += out.iter().map(|r| r.len()).sum::<usize>();
                }
                // The segments picked out of the ranges: every one that meets the grown view
                // (exactly, in f64), in drawing order, and none whose box misses it.
                let mut picked = Vec::new();
                if kind == "segments" {
                    let sorted: Vec<f32> =
                        order.iter().flat_map(|&i| segments[4 * i as usize..4 * i as usize + 4].to_vec()).collect();
                    let n_picked = segments_meeting(&sorted, &out, min, max, margin, index.slack(), &mut picked);
                    assert_eq!(n_picked * 4, picked.len());
                    let grown = [min[0] - margin[0], min[1] - margin[1], max[0] + margin[0], max[1] + margin[1]];
                    let wanted: Vec<&[f32]> = sorted.chunks_exact(4).filter(|s| segment_meets(s, grown)).collect();
                    let got: Vec<&[f32]> = picked.chunks_exact(4).collect();
                    let slack = index.slack();
                    let mut k = 0;
                    for s in &got {
                        let finite = s.iter().all(|v| v.is_finite());
                        assert!(
                            !finite
                                || (s[0].min(s[2]) <= grown[2] + slack
                                    && s[0].max(s[2]) >= grown[0] - slack
                                    && s[1].min(s[3]) <= grown[3] + slack
                                    && s[1].max(s[3]) >= grown[1] - slack),
                            "picked {s:?}, whose box misses {grown:?}"
                        );
                        if k < wanted.len() && s.iter().zip(wanted[k]).all(|(a, b)| a.to_bits() == b.to_bits()) {
                            k += 1;
                        }
                    }
                    assert_eq!(k, wanted.len(), "trial {trial} query {q}: a segment meeting the view was not picked");
                }
                for i in 0..n {
                    let s = if kind == "points" {
                        [points[2 * i], points[2 * i + 1]].repeat(2)
                    } else {
                        segments[4 * i..4 * i + 4].to_vec()
                    };
                    let meets = !s.iter().all(|v| v.is_finite())
                        || (s[0].min(s[2]) <= max[0] + margin[0]
                            && s[0].max(s[2]) >= min[0] - margin[0]
                            && s[1].min(s[3]) <= max[1] + margin[1]
                            && s[1].max(s[3]) >= min[1] - margin[1]);
                    if meets {
                        assert!(
                            out.iter().any(|r| r.contains(&at[i])),
                            "{kind} trial {trial} query {q}: primitive {i} {s:?} meets {min:?}..{max:?} but is not drawn"
                        );
                    }
                }
            }
            // Small views (a 20-unit box in a 1000-unit graph) draw a small part of a big graph.
            if n >= 4000 {
                let mean = drawn_small as f64 / 40.0;
                let limit = if kind == "points" { 0.05 } else { 0.3 };
                assert!(mean < limit * n as f64, "{kind}: {mean} of {n} drawn for small views");
            }
        }
    }
}

#[wasm_bindgen_test]
fn spatial_index_matches_brute_force() {
    let n = 5000;
    let mut positions = Vec::with_capacity(2 * n);
    let mut z = 0x1234_5678u64;
    for _ in 0..2 * n {
        z = z.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        positions.push(((z >> 33) as f32 / (1u64 << 31) as f32) * 1000.0 - 500.0);
    }
    let index = SpatialIndex::new(&positions, n);
    for q in 0..500 {
        let (x, y) = (((q * 37) % 1000) as f32 - 500.0, ((q * 91) % 1000) as f32 - 500.0);
        let r = 15.0;
        let brute = (0..n)
            .map(|i| ((positions[2 * i] - x).powi(2) + (positions[2 * i + 1] - y).powi(2), i as u32))
            .filter(|&(d2, _)| d2 <= r * r)
            .min_by(|a, b| a.0.partial_cmp(&b.0).unwrap().then(a.1.cmp(&b.1)))
            .map(|(_, i)| i);
        assert_eq!(index.nearest(&positions, x, y, r), brute, "query {q}");
    }
}

fn series(name: &str, color: &str, daily: Vec<(i64, u32)>, spikes: Vec<i64>) -> Series {
    Series { name: name.into(), color: color.into(), daily, spikes }
}

#[wasm_bindgen_test]
async fn timeline_draws_one_bar_per_day_and_marks_spikes() {
    let root = host(960, 300);
    // 2020-01-20 .. 2020-03-15, with gaps.
    let d0 = 18_281; // 2020-01-20
    assert_eq!(format_day(d0), "2020-01-20");
    let daily: Vec<(i64, u32)> = (0..55).filter(|k| k % 4 != 1).map(|k| (d0 + k, 10 + (k as u32 * 7) % 13)).collect();
    let n_days = daily.len();
    let spikes = vec![d0 + 8, d0 + 44];
    let props = TimelineProps {
        series: Rc::new(vec![series("Cluster 1", "#1c7ed6", daily, spikes)]),
        width: 960,
        height: 260,
        class: Default::default(),
    };
    yew::Renderer::<Timeline>::with_root_and_props(root.clone(), props).render();
    frames(2).await;
    assert_eq!(root.query_selector_all("rect.tl-bar").unwrap().length() as usize, n_days);
    assert_eq!(root.query_selector_all("circle.tl-spike").unwrap().length(), 2);
    let text = root.text_content().unwrap_or_default();
    assert!(text.contains("2020-02") || text.contains("2020-01-2"), "date ticks missing: {text}");
    // No inline style attributes (CSP).
    assert_eq!(root.query_selector_all("[style]").unwrap().length(), 0);
    root.remove();

    // Several series: one line each.
    let root = host(960, 300);
    let props = TimelineProps {
        series: Rc::new(vec![
            series("A", "#1c7ed6", vec![(d0, 3), (d0 + 5, 9)], vec![d0 + 5]),
            series("B", "#e8590c", vec![(d0 + 2, 4)], vec![]),
        ]),
        width: 960,
        height: 260,
        class: Default::default(),
    };
    yew::Renderer::<Timeline>::with_root_and_props(root.clone(), props).render();
    frames(2).await;
    assert_eq!(root.query_selector_all("polyline.tl-line").unwrap().length(), 2);
    let pts = root.query_selector("polyline.tl-line").unwrap().unwrap().get_attribute("points").unwrap();
    assert_eq!(pts.split_whitespace().count(), 6, "one point per day of the range, zeros included");
    root.remove();
}

#[wasm_bindgen_test]
async fn hour_profile_draws_24_bars_and_the_offset() {
    let root = host(480, 240);
    let mut hours = [0u32; 24];
    for (h, v) in hours.iter_mut().enumerate() {
        *v = if (5..14).contains(&h) { 100 + h as u32 } else { 5 };
    }
    let props = HourProfileProps {
        hours,
        implied_utc_offset: Some(3),
        color: "#3b6fb6".into(),
        width: 480,
        height: 220,
        class: Default::default(),
    };
    yew::Renderer::<HourProfile>::with_root_and_props(root.clone(), props).render();
    frames(2).await;
    assert_eq!(root.query_selector_all("rect.hp-bar").unwrap().length(), 24);
    assert_eq!(root.query_selector_all("rect.hp-office").unwrap().length(), 8);
    assert!(root.text_content().unwrap_or_default().contains("UTC+3"));
    root.remove();
}

/// A synthetic 50k-node, 200k-edge graph: 100 Gaussian-ish blobs, edges mostly inside blobs.
fn big_graph(n: usize, m: usize) -> Rc<GraphData> {
    let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
    let unit = |v: u64| (v >> 40) as f32 / (1u64 << 24) as f32;
    let blobs = 100;
    let mut positions = Vec::with_capacity(2 * n);
    let mut colors = Vec::with_capacity(4 * n);
    let mut sizes = Vec::with_capacity(n);
    for i in 0..n {
        let b = i % blobs;
        let (cx, cy) = (((b % 10) as f32) * 100.0, ((b / 10) as f32) * 100.0);
        let r = 30.0 * (unit(next()) + unit(next()) + unit(next())) / 3.0;
        let a = unit(next()) * std::f32::consts::TAU;
        positions.extend_from_slice(&[cx + r * a.cos(), cy + r * a.sin()]);
        colors.extend_from_slice(&[(b * 37 % 200) as u8 + 30, (b * 91 % 200) as u8 + 30, 180, 230]);
        sizes.push(3.0 + (i % 7) as f32);
    }
    let mut edges = Vec::with_capacity(2 * m);
    for _ in 0..m {
        let a = (next() % n as u64) as usize;
        let b = if next() % 10 == 0 {
            (next() % n as u64) as usize
        } else {
            (a + blobs * (1 + (next() % 200) as usize)) % n
        };
        edges.extend_from_slice(&[a as u32, b as u32]);
    }
    Rc::new(GraphData { positions, colors, sizes, edges, labels: Vec::new() })
}

/// Median of `n_frames` timings of `frame(k)` (draw, then a 1-pixel readback to wait for the
/// GPU), one animation frame apart so the test driver's requests get through.
async fn median_ms(gl: &Gl, n_frames: usize, mut frame: impl FnMut(usize)) -> f64 {
    let mut one = [0u8; 4];
    let mut times = Vec::with_capacity(n_frames);
    for k in 0..n_frames {
        let t = now_ms();
        frame(k);
        gl.read_pixels_with_opt_u8_array(0, 0, 1, 1, Gl::RGBA, Gl::UNSIGNED_BYTE, Some(&mut one)).unwrap();
        times.push(now_ms() - t);
        next_frame().await;
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    times[n_frames / 2]
}

/// The raster the view would build for `graph` fitted in `view` (device pixel ratio 1).
fn raster_spec(graph: &GraphData, view: &View) -> RasterSpec {
    let (mut min, mut max) = ([f32::MAX; 2], [f32::MIN; 2]);
    for p in graph.positions.chunks_exact(2) {
        min = [min[0].min(p[0]), min[1].min(p[1])];
        max = [max[0].max(p[0]), max[1].max(p[1])];
    }
    let max_size = graph.sizes.iter().copied().fold(0.0, f32::max);
    let margin = (max_size / 2.0 + 2.0) / view.fit_zoom;
    RasterSpec {
        world_min: [min[0] - margin, min[1] - margin],
        world_max: [max[0] + margin, max[1] + margin],
        density: view.fit_zoom * view.dpr,
        fit_zoom: view.fit_zoom,
        align: view.screen_to_world(0.0, 0.0),
    }
}

/// The settled frame under `camera` drawn in steps as the view draws it (one step per animation
/// frame, budget [`SETTLE_STEP_FILL`]), each timed with a 1-pixel readback: the number of
/// steps, the longest step and their sum (ms), and the wall time to the frame shown.
async fn settle_in_steps(
    renderer: &mut Renderer,
    w: u32,
    h: u32,
    camera: &chorus::ui::gl::Camera,
) -> (usize, f64, f64, f64) {
    let gl = renderer.context().clone();
    let mut one = [0u8; 4];
    renderer.forget_kept_frame();
    let (mut longest, mut sum) = (0.0f64, 0.0f64);
    let start = now_ms();
    for steps in 1.. {
        let t = now_ms();
        let step = renderer.draw_settled_step(w, h, camera, SETTLE_STEP_FILL).expect("an offscreen frame");
        gl.read_pixels_with_opt_u8_array(0, 0, 1, 1, Gl::RGBA, Gl::UNSIGNED_BYTE, Some(&mut one)).unwrap();
        let ms = now_ms() - t;
        longest = longest.max(ms);
        sum += ms;
        if step.done {
            return (steps, longest, sum, now_ms() - start);
        }
        next_frame().await;
    }
    unreachable!()
}

fn fps(ms: f64) -> f64 {
    1000.0 / ms.max(1e-3)
}

/// Frame times of the network view (`CHORUS_FRAME_NODES` nodes, 4 edges per node, default
/// 50,000), printed as one `FRAME-TIME` line for `scripts/bench-frames.sh`.
#[wasm_bindgen_test]
async fn frame_time_network_view() {
    let n: usize = option_env!("CHORUS_FRAME_NODES").and_then(|v| v.parse().ok()).unwrap_or(50_000);
    let m = 4 * n;
    let (w, h) = (1280u32, 800u32);
    let graph = big_graph(n, m);

    // 1. The renderer alone, synchronously: draw, then force completion by reading one pixel.
    let canvas: HtmlCanvasElement = document().create_element("canvas").unwrap().dyn_into().unwrap();
    canvas.set_width(w);
    canvas.set_height(h);
    document().body().unwrap().append_child(&canvas).unwrap();
    let mut renderer = Renderer::new(&canvas).expect("WebGL in headless Chromium");
    let gl = renderer.context().clone();
    let mut one = [0u8; 4];
    let edge_vertices = edge_vertices_of(&graph);
    let t = now_ms();
    renderer.set_graph(&graph.positions, &graph.colors, &graph.sizes, &edge_vertices);
    gl.read_pixels_with_opt_u8_array(0, 0, 1, 1, Gl::RGBA, Gl::UNSIGNED_BYTE, Some(&mut one)).unwrap();
    let upload_ms = now_ms() - t;
    let mut fitted = View { width: w as f32, height: h as f32, ..View::default() };
    fitted.fit(&graph);
    // Zoom in and out by up to 1.34x around the fit while panning (the overview).
    let overview = |k: usize, n_frames: usize| {
        let mut v = fitted;
        let steps = if k < n_frames / 2 { k as i32 } else { (n_frames - k) as i32 };
        v.zoom_at(1.05f32.powi(steps), 640.0, 400.0);
        v.pan(3.0 * k as f32, -2.0 * k as f32);
        v.camera()
    };
    // Zoomed in `factor` x around the graph's centre, panning.
    let zoomed = |factor: f32, k: usize| {
        let mut v = fitted;
        v.zoom_at(factor, 640.0, 400.0);
        v.pan(5.0 * k as f32, -3.0 * k as f32);
        v.camera()
    };

    // First render: the nodes-only frame, then the raster (every edge and node, once).
    let t = now_ms();
    renderer.draw(w, h, &fitted.camera(), false);
    gl.read_pixels_with_opt_u8_array(0, 0, 1, 1, Gl::RGBA, Gl::UNSIGNED_BYTE, Some(&mut one)).unwrap();
    let first_nodes_ms = now_ms() - t;
    next_frame().await;
    let t = now_ms();
    assert!(renderer.build_raster(&raster_spec(&graph, &fitted)), "no overview raster");
    assert!(renderer.draw_raster(w, h, &fitted.camera()));
    gl.read_pixels_with_opt_u8_array(0, 0, 1, 1, Gl::RGBA, Gl::UNSIGNED_BYTE, Some(&mut one)).unwrap();
    let raster_build_ms = now_ms() - t;
    next_frame().await;

    // Full frames at overview zoom: the raster (every edge and node) as one quad.
    let raster_fit_ms = median_ms(&gl, 12, |k| {
        let mut v = fitted;
        v.pan(7.0 * k as f32, 0.0);
        assert!(renderer.draw_raster(w, h, &v.camera()));
    })
    .await;
    let raster_zoom_ms = median_ms(&gl, 12, |k| assert!(renderer.draw_raster(w, h, &overview(k, 12)))).await;
    // The same frames drawn directly (every edge and node as geometry): the old full frame.
    let direct_ms = median_ms(&gl, 6, |k| renderer.draw(w, h, &overview(k, 6), true)).await;
    let nodes_ms = median_ms(&gl, 6, |k| renderer.draw(w, h, &overview(k, 6), false)).await;
    // Zoomed in beyond the raster: geometry, culled (only the ranges that can be in view)...
    let zoom4_ms = median_ms(&gl, 6, |k| renderer.draw(w, h, &zoomed(4.0, k), true)).await;
    let zoom9_ms = median_ms(&gl, 6, |k| renderer.draw(w, h, &zoomed(9.0, k), true)).await;
    let zoom16_ms = median_ms(&gl, 6, |k| renderer.draw(w, h, &zoomed(16.0, k), true)).await;
    // Where the time goes: the nodes alone (culled) at the same zooms.
    let nodes4_ms = median_ms(&gl, 6, |k| renderer.draw(w, h, &zoomed(4.0, k), false)).await;
    let nodes16_ms = median_ms(&gl, 6, |k| renderer.draw(w, h, &zoomed(16.0, k), false)).await;
    let drawn = |f: f32| {
        let (e, n) = renderer.drawn_counts(w, h, &zoomed(f, 0));
        format!("{e} edges + {n} nodes")
    };
    let (drawn4, drawn9, drawn16) = (drawn(4.0), drawn(9.0), drawn(16.0));
    // The same full frames as the view draws them once the movement stops: in steps.
    let mut settled = String::new();
    for factor in [1.6f32, 4.0, 9.0, 16.0] {
        let camera = zoomed(factor, 0);
        settle_in_steps(&mut renderer, w, h, &camera).await; // warm-up
        let (steps, longest, sum, wall) = settle_in_steps(&mut renderer, w, h, &camera).await;
        settled.push_str(&format!(
            "{}{factor}x {steps} steps, longest {longest:.1} ms ({:.0} fps), sum {sum:.1} ms, shown after {wall:.0} ms",
            if settled.is_empty() { "" } else { "; " },
            fps(longest)
        ));
    }
    // ... and every edge and node (the GPU clips what is out of view), alternately in the same run.
    renderer.set_culling(false);
    let all4_ms = median_ms(&gl, 6, |k| renderer.draw(w, h, &zoomed(4.0, k), true)).await;
    let all16_ms = median_ms(&gl, 6, |k| renderer.draw(w, h, &zoomed(16.0, k), true)).await;
    renderer.set_culling(true);
    // Interactive frame zoomed in: the kept full frame, moved and scaled (one quad).
    renderer.draw_and_keep(w, h, &zoomed(4.0, 0));
    let moved_ms = median_ms(&gl, 12, |k| {
        let mut v = fitted;
        v.zoom_at(4.0 * 1.03f32.powi(k as i32), 640.0, 400.0);
        v.pan(3.0 * k as f32, -2.0 * k as f32);
        assert!(renderer.draw_moved(w, h, &v.camera()));
    })
    .await;
    // The floor: an empty frame (clear, present, readback) at the same size.
    renderer.set_graph(&[], &[], &[], &[]);
    let empty_ms = median_ms(&gl, 12, |_| renderer.draw(w, h, &fitted.camera(), true)).await;
    canvas.remove();

    // 2. Through the component. First render: mount to the nodes frame and then the raster
    // frame (two animation frames), then wheel zooming (one frame per event).
    // The canvas gets its size from a style sheet (as in the app), so the first frame has it.
    let style = document().create_element("style").unwrap();
    style.set_text_content(Some(&format!(".nv-canvas {{ display: block; width: {w}px; height: {h}px; }}")));
    document().head().unwrap().append_child(&style).unwrap();
    let root = host(w, h);
    let t = now_ms();
    mount_view(&root, graph.clone(), None);
    // The view draws in the animation frame after mounting (nodes), and the next (raster);
    // this test's own frame callbacks run first in each, hence one more.
    frames(2).await;
    let canvas = canvas_in(&root, w, h);
    let px = read_pixels(&canvas);
    let component_first_ms = now_ms() - t;
    let first_painted = px.chunks_exact(4).step_by(97).filter(|p| differs_from_background(p)).count();
    frames(1).await;
    let px = read_pixels(&canvas);
    let component_raster_ms = now_ms() - t;
    let painted = px.chunks_exact(4).step_by(97).filter(|p| differs_from_background(p)).count();
    assert!(
        first_painted > 0 && painted >= first_painted,
        "first frame {first_painted}, overview {painted} painted samples"
    );
    let wheel = |delta: f64| {
        let init = web_sys::WheelEventInit::new();
        init.set_bubbles(true);
        init.set_cancelable(true);
        init.set_delta_y(delta);
        let r = canvas.get_bounding_client_rect();
        init.set_client_x((r.left() + 640.0) as i32);
        init.set_client_y((r.top() + 400.0) as i32);
        let e = web_sys::WheelEvent::new_with_event_init_dict("wheel", &init).unwrap();
        canvas.dispatch_event(&e).unwrap();
    };
    let n_frames = 12;
    let mut component_ms = [0.0f64; 3];
    for (slot, base) in [(0, 0), (1, 20), (2, 13)] {
        // Slot 1: first zoom in 20 steps of 60 (e^(0.108 * 20) = 8.7x), past the raster; slot 2:
        // 13 more (e^(0.108 * 33) = 35x), where full frames may be drawn while moving.
        for _ in 0..base {
            wheel(-60.0);
        }
        // Warm-up (software GL compiles a routine per new sampler / blend state on first use).
        wheel(-30.0);
        next_frame().await;
        wheel(30.0);
        frames(2).await;
        let t = now_ms();
        for k in 0..n_frames {
            wheel(if k < n_frames / 2 { -30.0 } else { 30.0 });
            next_frame().await;
        }
        // Make sure the last frame is complete before stopping the clock.
        let px = read_pixels(&canvas);
        component_ms[slot] = (now_ms() - t) / n_frames as f64;
        assert!(px.chunks_exact(4).step_by(97).any(differs_from_background), "the {n}-node frame is empty");
    }
    // The fill estimate (Renderer::frame_fill) at the slot-2 zoom, for the record.
    let fill35 = {
        let mut v = fitted;
        v.zoom_at((0.108f32 * 33.0).exp(), 640.0, 400.0);
        let probe: HtmlCanvasElement = document().create_element("canvas").unwrap().dyn_into().unwrap();
        let mut r = Renderer::new(&probe).expect("WebGL");
        r.set_graph(&graph.positions, &graph.colors, &graph.sizes, &edge_vertices);
        r.frame_fill(w, h, &v.camera())
    };
    let msg = format!(
        "FRAME-TIME {n} nodes / {m} edges at {w}x{h} (dpr {}): upload {upload_ms:.1} ms | \
         FIRST RENDER nodes-only frame {first_nodes_ms:.1} ms, overview raster built and shown {raster_build_ms:.1} ms; \
         component mount -> nodes {component_first_ms:.0} ms -> overview {component_raster_ms:.0} ms | \
         FULL FRAME overview (raster, every edge and node): fitted {raster_fit_ms:.1} ms ({:.0} fps), zooming 1-1.34x {raster_zoom_ms:.1} ms ({:.0} fps); \
         drawn directly {direct_ms:.1} ms ({:.1} fps; nodes only {nodes_ms:.1} ms); \
         zoomed in (geometry, culled) 4x {zoom4_ms:.1} ms ({:.1} fps; {drawn4}), 9x {zoom9_ms:.1} ms ({:.1} fps; {drawn9}), 16x {zoom16_ms:.1} ms ({:.1} fps; {drawn16}) (nodes alone 4x {nodes4_ms:.1} ms, 16x {nodes16_ms:.1} ms); \
         not culled (every edge and node) 4x {all4_ms:.1} ms ({:.1} fps), 16x {all16_ms:.1} ms ({:.1} fps) | \
         SETTLED IN STEPS (fill budget {SETTLE_STEP_FILL} a step, one step per animation frame): {settled} | \
         INTERACTIVE component wheel -> requestAnimationFrame: overview {:.1} ms/frame ({:.1} fps), zoomed in ~9x {:.1} ms/frame ({:.1} fps), ~35x {:.1} ms/frame ({:.1} fps; full frame fills the view {fill35:.2}x); \
         moved kept frame {moved_ms:.1} ms; empty frame {empty_ms:.1} ms",
        web_sys::window().unwrap().device_pixel_ratio(),
        fps(raster_fit_ms),
        fps(raster_zoom_ms),
        fps(direct_ms),
        fps(zoom4_ms),
        fps(zoom9_ms),
        fps(zoom16_ms),
        fps(all4_ms),
        fps(all16_ms),
        component_ms[0],
        fps(component_ms[0]),
        component_ms[1],
        fps(component_ms[1]),
        component_ms[2],
        fps(component_ms[2]),
    );
    console_log!("{msg}");
    web_sys::console::log_1(&msg.into());
    root.remove();
    style.remove();
}
