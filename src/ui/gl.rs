//! WebGL 1 renderer of the network view: edges as `GL_LINES`, nodes as round `GL_POINTS`.
//!
//! All geometry lives in GPU buffers uploaded once per graph ([`Renderer::set_graph`]); a frame
//! sets a few uniforms (the camera) and issues a few draw calls. A selection is drawn as a second pass over a small buffer (the
//! selected node, its neighbours and their edges) while the rest is dimmed.
//!
//! Big graphs also get an **overview raster** ([`Renderer::build_raster`]): every edge and node
//! drawn once per layout into a world-space texture (about one texel per device pixel at the
//! fitted zoom, with mipmaps for zooming out). A frame at overview zoom is then one textured
//! quad plus the selection ([`Renderer::draw_raster`]), whatever the number of edges: on
//! software GL (SwiftShader) 200,000 edges cost ~0.6 s to draw, the quad a few tens of ms.
//! Zoomed in beyond the raster's resolution, the geometry is drawn again (sharp, every edge),
//! culled on the CPU: [`Renderer::set_graph`] stores edges and nodes in a spatial order
//! ([`cull::CullIndex`]); a frame takes the few contiguous ranges of that order that can reach
//! into the view, draws the nodes in them and, of the edges in them, those that meet the view
//! (tested on the CPU, a few nanoseconds each, and copied into a stream buffer): SwiftShader
//! pays per vertex even for primitives the GPU clips. What is in view is still drawn in full,
//! and on software GL its fill is the cost ([`Renderer::frame_fill`] estimates it).

pub mod cull;

use std::cell::RefCell;
use std::ops::Range;

use cull::CullIndex;

use wasm_bindgen::JsCast;
use web_sys::{
    HtmlCanvasElement, WebGlBuffer, WebGlContextAttributes, WebGlFramebuffer, WebGlProgram,
    WebGlRenderingContext as Gl, WebGlShader, WebGlTexture, WebGlUniformLocation,
};

/// Background of the view and of exported PNGs (opaque, so an export never has a transparent
/// background). Matches the light panel colour of the app.
pub const BACKGROUND: [f32; 4] = [0.985, 0.985, 0.99, 1.0];
/// Colour of edges (straight alpha). The alpha is set per graph by [`edge_alpha`].
const EDGE_COLOR: [f32; 3] = [0.32, 0.36, 0.45];
/// Colour of the selected node's edges (opaque: 1-pixel lines are partly covered already).
const HIGHLIGHT_EDGE_COLOR: [f32; 4] = [0.85, 0.24, 0.0, 1.0];

/// Edge opacity for a graph of `n_edges`: clear on small graphs, faint on dense ones so the
/// structure (not a hairball) shows.
pub fn edge_alpha(n_edges: usize) -> f32 {
    (0.55 * (2000.0 / n_edges.max(1) as f32).sqrt()).clamp(0.08, 0.55)
}
/// Alpha multiplier for everything outside the selection while a node is selected.
const DIM: f32 = 0.3;

const NODE_VS: &str = r#"
attribute vec2 a_pos;
attribute vec4 a_color;
attribute float a_size;
uniform vec2 u_scale;
uniform vec2 u_offset;
uniform float u_point_scale;
uniform float u_alpha;
varying vec4 v_color;
varying float v_size;
void main() {
    gl_Position = vec4(a_pos * u_scale + u_offset, 0.0, 1.0);
    float s = max(a_size * u_point_scale, 1.5);
    gl_PointSize = s;
    v_size = s;
    v_color = vec4(a_color.rgb, a_color.a * u_alpha);
}
"#;

const NODE_FS: &str = r#"
precision mediump float;
varying vec4 v_color;
varying float v_size;
void main() {
    vec2 c = gl_PointCoord * 2.0 - 1.0;
    float r = length(c);
    if (r > 1.0) discard;
    // One pixel of antialiasing at the rim, and a darker outline on nodes big enough to show it.
    float px = 2.0 / v_size;
    float alpha = 1.0 - smoothstep(1.0 - px, 1.0, r);
    float ring = v_size > 6.0 ? smoothstep(1.0 - 2.5 * px, 1.0 - 1.5 * px, r) : 0.0;
    vec3 rgb = mix(v_color.rgb, v_color.rgb * 0.7, ring);
    gl_FragColor = vec4(rgb, v_color.a * alpha);
}
"#;

const EDGE_VS: &str = r#"
attribute vec2 a_pos;
uniform vec2 u_scale;
uniform vec2 u_offset;
void main() {
    gl_Position = vec4(a_pos * u_scale + u_offset, 0.0, 1.0);
}
"#;

const EDGE_FS: &str = r#"
precision mediump float;
uniform vec4 u_color;
void main() {
    gl_FragColor = u_color;
}
"#;

/// The last full frame as a texture, redrawn moved and scaled while the view is in motion.
const QUAD_VS: &str = r#"
attribute vec2 a_corner;
uniform vec2 u_scale;
uniform vec2 u_offset;
varying vec2 v_uv;
void main() {
    v_uv = a_corner * 0.5 + 0.5;
    gl_Position = vec4(a_corner * u_scale + u_offset, 0.0, 1.0);
}
"#;

const QUAD_FS: &str = r#"
precision mediump float;
uniform sampler2D u_frame;
varying vec2 v_uv;
void main() {
    gl_FragColor = texture2D(u_frame, v_uv);
}
"#;

/// The overview raster placed in the world: a unit square stretched over the world rectangle
/// the texture covers, then through the camera. Dimmed towards the background while a node is
/// selected (as the direct drawing dims edges and nodes).
const RASTER_VS: &str = r#"
attribute vec2 a_corner;
uniform vec2 u_origin;
uniform vec2 u_extent;
uniform vec2 u_scale;
uniform vec2 u_offset;
varying vec2 v_uv;
void main() {
    // The raster is drawn with y flipped (as on screen), so texel rows match pixel rows.
    v_uv = vec2(a_corner.x, 1.0 - a_corner.y);
    gl_Position = vec4((u_origin + a_corner * u_extent) * u_scale + u_offset, 0.0, 1.0);
}
"#;

const RASTER_FS: &str = r#"
precision mediump float;
uniform sampler2D u_frame;
uniform vec4 u_background;
uniform float u_dim;
varying vec2 v_uv;
void main() {
    gl_FragColor = mix(u_background, texture2D(u_frame, v_uv), u_dim);
}
"#;

/// Largest side of the overview raster (texels). 4096 x 4096 RGBA is 64 MiB (+ mipmaps); the
/// raster is sized to the graph's box at the fitted zoom, so usually 1024 or 2048.
const MAX_RASTER_SIDE: u32 = 4096;

/// What the overview raster covers: the world box (node centres plus a margin for their
/// radius), its resolution, and the node size scale used inside it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RasterSpec {
    pub world_min: [f32; 2],
    pub world_max: [f32; 2],
    /// Wanted texels per world unit (device pixels per world unit at the fitted zoom).
    pub density: f32,
    /// Texels per unit of node size per texel of density (the fitted zoom's CSS pixels per
    /// world unit): nodes in the raster are `size / fit_zoom` world units wide, so they appear
    /// at their fitted size at the fitted zoom and scale with the zoom like the picture.
    pub fit_zoom: f32,
    /// A world point that falls on a pixel corner at the fitted view (e.g. the world point at
    /// the canvas' top-left corner): texel corners are placed on the same grid, so at the fitted
    /// zoom every texel is exactly one pixel and the raster frame is the direct drawing.
    pub align: [f32; 2],
}

/// The overview raster: texture (mipmapped once needed), framebuffer, and where it lies in the
/// world.
struct Raster {
    texture: WebGlTexture,
    framebuffer: WebGlFramebuffer,
    origin: [f32; 2],
    extent: [f32; 2],
    /// Texels per world unit actually used (may be below the wanted one on huge canvases).
    density: f32,
    /// Magnification filter currently set (NEAREST when texels and pixels coincide).
    mag_nearest: std::cell::Cell<bool>,
    /// Mipmaps are made the first time the view zooms out far enough to need them (they cost
    /// ~100 ms on software GL, which the first render should not pay).
    mipmapped: std::cell::Cell<bool>,
}

/// The camera as the shaders see it: `clip = world * scale + offset`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Camera {
    pub scale: [f32; 2],
    pub offset: [f32; 2],
    /// Device pixels per unit of node size.
    pub point_scale: f32,
}

/// Geometry of one pass of nodes: positions (x, y), colours (rgba bytes), sizes.
struct NodeBuffers {
    pos: WebGlBuffer,
    color: WebGlBuffer,
    size: WebGlBuffer,
    count: i32,
}

/// The WebGL state of one canvas.
pub struct Renderer {
    gl: Gl,
    node_prog: WebGlProgram,
    edge_prog: WebGlProgram,
    node_loc: NodeLocations,
    edge_loc: EdgeLocations,
    nodes: NodeBuffers,
    edges: WebGlBuffer,
    n_edge_vertices: i32,
    edge_alpha: f32,
    /// Spatial order of the GPU copies of the edges and nodes (the nodes' GPU order is not
    /// their index: everything indexing nodes uses the caller's arrays, never these buffers).
    edge_cull: CullIndex,
    node_cull: CullIndex,
    /// The edge vertices in their GPU order, for picking the edges in view on the CPU.
    sorted_edges: Vec<f32>,
    /// The edges in view of the current frame (refilled per zoomed-in frame).
    visible_edges: WebGlBuffer,
    visible: RefCell<Vec<f32>>,
    /// Largest node size (units of `Camera::point_scale`), for the nodes' margin when culling.
    max_node_size: f32,
    /// Mean node size (same units), for [`Renderer::frame_fill`].
    mean_node_size: f32,
    /// Cull when zoomed in (on by default; off draws everything, for comparisons).
    culling: bool,
    /// Scratch list of the ranges drawn in a frame.
    ranges: RefCell<Vec<Range<u32>>>,
    highlight_nodes: NodeBuffers,
    highlight_edges: WebGlBuffer,
    n_highlight_edge_vertices: i32,
    quad_prog: WebGlProgram,
    quad_corner: u32,
    quad_scale: Option<WebGlUniformLocation>,
    quad_offset: Option<WebGlUniformLocation>,
    quad_frame: Option<WebGlUniformLocation>,
    quad: WebGlBuffer,
    snapshot: Option<Snapshot>,
    raster_prog: WebGlProgram,
    raster_corner: u32,
    raster_loc: [Option<WebGlUniformLocation>; 7],
    unit_square: WebGlBuffer,
    raster: Option<Raster>,
    /// The second offscreen frame, into which a settled frame is drawn in steps while the kept
    /// one stays on screen ([`Renderer::draw_settled_step`]); swapped with `snapshot` when done.
    spare: Option<Snapshot>,
    /// The settled frame being drawn into `spare`, if any.
    settling: Option<Settling>,
    /// Its edges (those in view, culled when the frame began), and their GPU copy.
    settle_edges: Vec<f32>,
    settle_buffer: WebGlBuffer,
}

/// A full frame drawn in steps ([`Renderer::draw_settled_step`]): for which camera and size,
/// how many of its edges are drawn, and where they come from.
struct Settling {
    camera: Camera,
    width: u32,
    height: u32,
    /// Edges drawn so far, of `total`.
    next: u32,
    total: u32,
    /// The edges are `settle_edges` (culled to the view); else every edge, from `edges`.
    culled: bool,
    /// The ranges of the nodes' GPU order to draw, and how many of their nodes are drawn, of
    /// `nodes_total`.
    node_ranges: Vec<Range<u32>>,
    node_next: u32,
    nodes_total: u32,
}

/// What one [`Renderer::draw_settled_step`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SettleStep {
    /// The frame is complete and shown (and kept, for moved frames).
    pub done: bool,
    /// Edges and nodes drawn in this step, and its estimated cost in viewport fills (the
    /// budget's units: [`Renderer::frame_fill`]'s, plus a cost per primitive).
    pub edges: u32,
    pub nodes: u32,
    pub fill: f32,
}

/// An offscreen frame: texture, framebuffer, size, and the camera it was drawn with.
struct Snapshot {
    texture: WebGlTexture,
    framebuffer: WebGlFramebuffer,
    width: u32,
    height: u32,
    camera: Option<Camera>,
}

struct NodeLocations {
    pos: u32,
    color: u32,
    size: u32,
    scale: Option<WebGlUniformLocation>,
    offset: Option<WebGlUniformLocation>,
    point_scale: Option<WebGlUniformLocation>,
    alpha: Option<WebGlUniformLocation>,
}

struct EdgeLocations {
    pos: u32,
    scale: Option<WebGlUniformLocation>,
    offset: Option<WebGlUniformLocation>,
    color: Option<WebGlUniformLocation>,
}

impl Renderer {
    /// Create the WebGL 1 context of `canvas` (with `preserveDrawingBuffer`, so the canvas can be
    /// exported as PNG at any time) and compile the shaders. Errors say why WebGL is unusable.
    pub fn new(canvas: &HtmlCanvasElement) -> Result<Renderer, String> {
        let attrs = WebGlContextAttributes::new();
        // No MSAA: lines are 1 px anyway and the point shader smooths its own rim; MSAA costs
        // several times the fill rate on software rasterisers (SwiftShader) and weak GPUs.
        attrs.set_antialias(false);
        attrs.set_alpha(false);
        attrs.set_preserve_drawing_buffer(true);
        let ctx = canvas
            .get_context_with_context_options("webgl", &attrs)
            .map_err(|e| format!("WebGL is not available: {}", js_message(&e)))?
            .ok_or_else(|| "WebGL is not available in this browser (or it is disabled)".to_string())?;
        let gl: Gl = ctx.dyn_into().map_err(|_| "the canvas did not return a WebGL 1 context".to_string())?;
        let node_prog = link(&gl, NODE_VS, NODE_FS)?;
        let edge_prog = link(&gl, EDGE_VS, EDGE_FS)?;
        let attrib = |prog: &WebGlProgram, name: &str| -> Result<u32, String> {
            let loc = gl.get_attrib_location(prog, name);
            u32::try_from(loc).map_err(|_| format!("shader attribute {name} missing"))
        };
        let node_loc = NodeLocations {
            pos: attrib(&node_prog, "a_pos")?,
            color: attrib(&node_prog, "a_color")?,
            size: attrib(&node_prog, "a_size")?,
            scale: gl.get_uniform_location(&node_prog, "u_scale"),
            offset: gl.get_uniform_location(&node_prog, "u_offset"),
            point_scale: gl.get_uniform_location(&node_prog, "u_point_scale"),
            alpha: gl.get_uniform_location(&node_prog, "u_alpha"),
        };
        let edge_loc = EdgeLocations {
            pos: attrib(&edge_prog, "a_pos")?,
            scale: gl.get_uniform_location(&edge_prog, "u_scale"),
            offset: gl.get_uniform_location(&edge_prog, "u_offset"),
            color: gl.get_uniform_location(&edge_prog, "u_color"),
        };
        let buffer = || gl.create_buffer().ok_or_else(|| "could not create a WebGL buffer".to_string());
        let nodes = NodeBuffers { pos: buffer()?, color: buffer()?, size: buffer()?, count: 0 };
        let highlight_nodes = NodeBuffers { pos: buffer()?, color: buffer()?, size: buffer()?, count: 0 };
        let edges = buffer()?;
        let highlight_edges = buffer()?;
        let visible_edges = buffer()?;
        let settle_buffer = buffer()?;
        let quad_prog = link(&gl, QUAD_VS, QUAD_FS)?;
        let quad_corner = attrib(&quad_prog, "a_corner")?;
        let quad_scale = gl.get_uniform_location(&quad_prog, "u_scale");
        let quad_offset = gl.get_uniform_location(&quad_prog, "u_offset");
        let quad_frame = gl.get_uniform_location(&quad_prog, "u_frame");
        let quad = buffer()?;
        upload_f32(&gl, &quad, &[-1.0, -1.0, 1.0, -1.0, -1.0, 1.0, 1.0, 1.0]);
        let raster_prog = link(&gl, RASTER_VS, RASTER_FS)?;
        let raster_corner = attrib(&raster_prog, "a_corner")?;
        let raster_loc = ["u_origin", "u_extent", "u_scale", "u_offset", "u_frame", "u_background", "u_dim"]
            .map(|name| gl.get_uniform_location(&raster_prog, name));
        let unit_square = buffer()?;
        upload_f32(&gl, &unit_square, &[0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
        Ok(Renderer {
            raster_prog,
            raster_corner,
            raster_loc,
            unit_square,
            raster: None,
            quad_prog,
            quad_corner,
            quad_scale,
            quad_offset,
            quad_frame,
            quad,
            snapshot: None,
            gl,
            node_prog,
            edge_prog,
            node_loc,
            edge_loc,
            nodes,
            edges,
            n_edge_vertices: 0,
            edge_alpha: edge_alpha(0),
            edge_cull: CullIndex::default(),
            node_cull: CullIndex::default(),
            sorted_edges: Vec::new(),
            visible_edges,
            visible: RefCell::new(Vec::new()),
            spare: None,
            settling: None,
            settle_edges: Vec::new(),
            settle_buffer,
            max_node_size: 0.0,
            mean_node_size: 0.0,
            culling: true,
            ranges: RefCell::new(Vec::new()),
            highlight_nodes,
            highlight_edges,
            n_highlight_edge_vertices: 0,
        })
    }

    /// The context (for tests reading pixels back).
    pub fn context(&self) -> &Gl {
        &self.gl
    }

    /// Upload a graph: `positions` x,y interleaved, `colors` rgba per node, `sizes` per node,
    /// `edge_vertices` x,y of both ends of every edge (4 floats per edge).
    ///
    /// The GPU copies are stored in a spatial order ([`CullIndex`]) so that a zoomed-in frame
    /// draws only the ranges that can be in view; each node keeps its position, colour and size
    /// together. Nodes are drawn in that order (it decides which of two overlapping nodes is on
    /// top, the same way in the overview raster and zoomed in).
    pub fn set_graph(&mut self, positions: &[f32], colors: &[u8], sizes: &[f32], edge_vertices: &[f32]) {
        let n = (positions.len() / 2).min(colors.len() / 4).min(sizes.len());
        let (node_cull, node_order) = CullIndex::points(&positions[..2 * n]);
        let mut pos = Vec::with_capacity(2 * n);
        let mut col = Vec::with_capacity(4 * n);
        let mut size = Vec::with_capacity(n);
        for &i in &node_order {
            let i = i as usize;
            pos.extend_from_slice(&positions[2 * i..2 * i + 2]);
            col.extend_from_slice(&colors[4 * i..4 * i + 4]);
            size.push(sizes[i]);
        }
        upload_nodes(&self.gl, &mut self.nodes, &pos, &col, &size);
        self.max_node_size = size.iter().copied().filter(|s| s.is_finite()).fold(0.0, f32::max);
        let finite = size.iter().copied().filter(|s| s.is_finite());
        self.mean_node_size = finite.clone().sum::<f32>() / finite.count().max(1) as f32;
        self.node_cull = node_cull;
        let n_edges = edge_vertices.len() / 4;
        let (edge_cull, edge_order) = CullIndex::segments(&edge_vertices[..4 * n_edges]);
        let mut sorted = Vec::with_capacity(4 * n_edges);
        for &e in &edge_order {
            sorted.extend_from_slice(&edge_vertices[4 * e as usize..4 * e as usize + 4]);
        }
        upload_f32(&self.gl, &self.edges, &sorted);
        self.sorted_edges = sorted;
        self.settling = None;
        self.edge_cull = edge_cull;
        self.n_edge_vertices = (2 * n_edges) as i32;
        self.edge_alpha = edge_alpha(edge_vertices.len() / 4);
        self.set_highlight(&[], &[], &[], &[]);
        self.drop_raster();
    }

    /// Forget the overview raster (a new graph, or a canvas whose fitted zoom moved far).
    pub fn drop_raster(&mut self) {
        if let Some(r) = self.raster.take() {
            self.gl.delete_framebuffer(Some(&r.framebuffer));
            self.gl.delete_texture(Some(&r.texture));
        }
    }

    /// Texels per world unit of the overview raster, if there is one.
    pub fn raster_density(&self) -> Option<f32> {
        self.raster.as_ref().map(|r| r.density)
    }

    /// Draw every edge and node once into the overview raster described by `spec` (replacing
    /// any previous one). This is the expensive step (as expensive as one full frame drawn
    /// directly); afterwards [`Renderer::draw_raster`] shows the graph at any overview zoom for
    /// the cost of one textured quad. False when no such texture or framebuffer can be made
    /// (the caller then keeps drawing directly).
    pub fn build_raster(&mut self, spec: &RasterSpec) -> bool {
        self.drop_raster();
        let gl = &self.gl;
        let size = [spec.world_max[0] - spec.world_min[0], spec.world_max[1] - spec.world_min[1]];
        if !(size[0] > 0.0 && size[1] > 0.0 && spec.density > 0.0 && spec.fit_zoom > 0.0) {
            return false;
        }
        let max_side = gl
            .get_parameter(Gl::MAX_TEXTURE_SIZE)
            .ok()
            .and_then(|v| v.as_f64())
            .map_or(2048, |v| v as u32)
            .min(MAX_RASTER_SIDE);
        // Power-of-two sides (WebGL 1 mipmaps need them), shrinking the density if the box
        // would not fit.
        let want = [size[0] * spec.density, size[1] * spec.density];
        let shrink = (max_side as f32 / want[0]).min(max_side as f32 / want[1]).min(1.0);
        let density = spec.density * shrink;
        let side = |v: f32| (v.ceil().max(1.0) as u32).next_power_of_two().min(max_side);
        let (tw, th) = (side(size[0] * density), side(size[1] * density));
        let Some(texture) = gl.create_texture() else { return false };
        gl.bind_texture(Gl::TEXTURE_2D, Some(&texture));
        let ok = gl
            .tex_image_2d_with_i32_and_i32_and_i32_and_format_and_type_and_opt_u8_array(
                Gl::TEXTURE_2D,
                0,
                Gl::RGBA as i32,
                tw as i32,
                th as i32,
                0,
                Gl::RGBA,
                Gl::UNSIGNED_BYTE,
                None,
            )
            .is_ok();
        gl.tex_parameteri(Gl::TEXTURE_2D, Gl::TEXTURE_WRAP_S, Gl::CLAMP_TO_EDGE as i32);
        gl.tex_parameteri(Gl::TEXTURE_2D, Gl::TEXTURE_WRAP_T, Gl::CLAMP_TO_EDGE as i32);
        gl.tex_parameteri(Gl::TEXTURE_2D, Gl::TEXTURE_MIN_FILTER, Gl::LINEAR as i32);
        gl.tex_parameteri(Gl::TEXTURE_2D, Gl::TEXTURE_MAG_FILTER, Gl::LINEAR as i32);
        gl.bind_texture(Gl::TEXTURE_2D, None);
        let Some(framebuffer) = gl.create_framebuffer().filter(|_| ok) else {
            gl.delete_texture(Some(&texture));
            return false;
        };
        gl.bind_framebuffer(Gl::FRAMEBUFFER, Some(&framebuffer));
        gl.framebuffer_texture_2d(Gl::FRAMEBUFFER, Gl::COLOR_ATTACHMENT0, Gl::TEXTURE_2D, Some(&texture), 0);
        if gl.check_framebuffer_status(Gl::FRAMEBUFFER) != Gl::FRAMEBUFFER_COMPLETE {
            gl.bind_framebuffer(Gl::FRAMEBUFFER, None);
            gl.delete_framebuffer(Some(&framebuffer));
            gl.delete_texture(Some(&texture));
            return false;
        }
        // Centre the box in the texture, snapped to the `align` grid (less than a texel, taken
        // from the box's margin); texel (u, 1 - v) holds world point origin + (u, v) * extent.
        let extent = [tw as f32 / density, th as f32 / density];
        let snap = |centre: f32, ext: f32, align: f32| {
            let start = centre - ext / 2.0;
            if align.is_finite() {
                align + ((start - align) * density).floor() / density
            } else {
                start
            }
        };
        let origin = [
            snap((spec.world_min[0] + spec.world_max[0]) / 2.0, extent[0], spec.align[0]),
            snap((spec.world_min[1] + spec.world_max[1]) / 2.0, extent[1], spec.align[1]),
        ];
        // y flipped as on screen (world y grows downwards on screen, upwards in GL).
        let scale = [2.0 / extent[0], -2.0 / extent[1]];
        let camera = Camera {
            scale,
            offset: [-1.0 - origin[0] * scale[0], 1.0 - origin[1] * scale[1]],
            point_scale: density / spec.fit_zoom,
        };
        // Drawn without a selection (the selection is drawn on top of the raster per frame).
        self.draw_layers(tw, th, &camera, true, false);
        gl.bind_framebuffer(Gl::FRAMEBUFFER, None);
        self.raster = Some(Raster {
            texture,
            framebuffer,
            origin,
            extent,
            density,
            mag_nearest: std::cell::Cell::new(false),
            mipmapped: std::cell::Cell::new(false),
        });
        true
    }

    /// Draw a frame from the overview raster (plus the selection pass on top). False when
    /// there is no raster. The caller decides when the raster is sharp enough (see
    /// `network_view::RASTER_MAX_MAGNIFICATION`).
    pub fn draw_raster(&self, width: u32, height: u32, camera: &Camera) -> bool {
        let Some(r) = self.raster.as_ref() else { return false };
        let gl = &self.gl;
        gl.viewport(0, 0, width as i32, height as i32);
        gl.clear_color(BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], BACKGROUND[3]);
        gl.clear(Gl::COLOR_BUFFER_BIT);
        gl.disable(Gl::BLEND);
        gl.use_program(Some(&self.raster_prog));
        gl.active_texture(Gl::TEXTURE0);
        gl.bind_texture(Gl::TEXTURE_2D, Some(&r.texture));
        // Device pixels per texel: at 1 (the fitted zoom) texels map onto pixels and nearest
        // sampling gives the same picture for a fraction of the cost on software GL.
        let px_per_texel = camera.scale[0].abs() * width as f32 / 2.0 / r.density;
        let nearest = (px_per_texel - 1.0).abs() < 0.01;
        if px_per_texel < 0.75 && !r.mipmapped.get() {
            // Zoomed out: without mipmaps, thin edges would flicker in and out while moving.
            gl.generate_mipmap(Gl::TEXTURE_2D);
            gl.tex_parameteri(Gl::TEXTURE_2D, Gl::TEXTURE_MIN_FILTER, Gl::LINEAR_MIPMAP_NEAREST as i32);
            r.mipmapped.set(true);
        }
        if nearest != r.mag_nearest.get() {
            let filter = if nearest { Gl::NEAREST } else { Gl::LINEAR };
            gl.tex_parameteri(Gl::TEXTURE_2D, Gl::TEXTURE_MAG_FILTER, filter as i32);
            r.mag_nearest.set(nearest);
        }
        let [origin, extent, scale, offset, frame, background, dim] = &self.raster_loc;
        gl.uniform2f(origin.as_ref(), r.origin[0], r.origin[1]);
        gl.uniform2f(extent.as_ref(), r.extent[0], r.extent[1]);
        gl.uniform2f(scale.as_ref(), camera.scale[0], camera.scale[1]);
        gl.uniform2f(offset.as_ref(), camera.offset[0], camera.offset[1]);
        gl.uniform1i(frame.as_ref(), 0);
        gl.uniform4f(background.as_ref(), BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], BACKGROUND[3]);
        gl.uniform1f(dim.as_ref(), if self.highlight_nodes.count > 0 { DIM } else { 1.0 });
        gl.enable_vertex_attrib_array(self.raster_corner);
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&self.unit_square));
        gl.vertex_attrib_pointer_with_i32(self.raster_corner, 2, Gl::FLOAT, false, 0, 0);
        gl.draw_arrays(Gl::TRIANGLE_STRIP, 0, 4);
        gl.bind_texture(Gl::TEXTURE_2D, None);
        if self.highlight_nodes.count > 0 {
            gl.enable(Gl::BLEND);
            gl.blend_func(Gl::SRC_ALPHA, Gl::ONE_MINUS_SRC_ALPHA);
            self.draw_highlight(camera);
        }
        true
    }

    /// Upload the selection pass (same layout as [`Renderer::set_graph`]); empty to clear.
    pub fn set_highlight(&mut self, positions: &[f32], colors: &[u8], sizes: &[f32], edge_vertices: &[f32]) {
        upload_nodes(&self.gl, &mut self.highlight_nodes, positions, colors, sizes);
        upload_f32(&self.gl, &self.highlight_edges, edge_vertices);
        self.n_highlight_edge_vertices = (edge_vertices.len() / 2) as i32;
        self.settling = None;
    }

    /// Draw a full frame into an offscreen texture, then show it. A following
    /// [`Renderer::draw_moved`] can then redraw it under another camera at the cost of one
    /// textured quad. Falls back to a direct draw when no framebuffer can be made.
    pub fn draw_and_keep(&mut self, width: u32, height: u32, camera: &Camera) {
        if self.snapshot.as_ref().is_none_or(|s| s.width != width || s.height != height) {
            self.snapshot = self.make_snapshot(width, height);
        }
        let Some(snap) = self.snapshot.as_ref() else {
            self.draw(width, height, camera, true);
            return;
        };
        self.settling = None;
        let gl = &self.gl;
        gl.bind_framebuffer(Gl::FRAMEBUFFER, Some(&snap.framebuffer));
        self.draw(width, height, camera, true);
        gl.bind_framebuffer(Gl::FRAMEBUFFER, None);
        if let Some(snap) = self.snapshot.as_mut() {
            snap.camera = Some(*camera);
        }
        self.draw_moved(width, height, camera);
    }

    /// Forget the kept frame (it may show a stale selection or another place): the next
    /// [`Renderer::draw_moved`] returns false until [`Renderer::draw_and_keep`] keeps a new one.
    pub fn forget_kept_frame(&mut self) {
        if let Some(snap) = self.snapshot.as_mut() {
            snap.camera = None;
        }
        self.settling = None;
    }

    /// Draw the next step of the full frame under `camera` into the spare offscreen frame,
    /// starting it if another frame (or none) was under way: the edges in view in their spatial
    /// order, then the nodes in view, as many as fill about `budget` viewports
    /// ([`Renderer::frame_fill`]'s units; at least one primitive a step), then the selection,
    /// and the showing of the frame (one viewport). The canvas keeps what it shows (the context
    /// preserves its drawing buffer) until the last step, which shows the frame and keeps it for
    /// [`Renderer::draw_moved`]. The picture is the one [`Renderer::draw_and_keep`] draws at
    /// once (the same primitives in the same order). None when no offscreen frame can be made
    /// (then draw at once). A frame started with a selection while the kept frame shows the same
    /// view (a node was just selected) shows the selection over the kept frame in its first step.
    ///
    /// Why: on software GL a zoomed-in full frame of a big graph costs up to ~190 ms of fill
    /// (BENCHMARKS.md, "Frame times"); drawn at once it holds the next frame back that long; in
    /// steps no frame takes much longer than a moved one, and a movement meanwhile is drawn at
    /// once (the frame under way is then started over for the new camera).
    pub fn draw_settled_step(&mut self, width: u32, height: u32, camera: &Camera, budget: f32) -> Option<SettleStep> {
        if self.spare.as_ref().is_none_or(|s| s.width != width || s.height != height) {
            self.spare = self.make_snapshot(width, height);
            self.settling = None;
        }
        let spare_fb = self.spare.as_ref()?.framebuffer.clone();
        let gl = self.gl.clone();
        let (view_min, view_max, px) = view_rect(camera, width, height);
        gl.bind_framebuffer(Gl::FRAMEBUFFER, Some(&spare_fb));
        gl.viewport(0, 0, width as i32, height as i32);
        let fresh =
            self.settling.as_ref().is_none_or(|s| s.camera != *camera || s.width != width || s.height != height);
        if fresh {
            gl.clear_color(BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], BACKGROUND[3]);
            gl.clear(Gl::COLOR_BUFFER_BIT);
            let mut ranges = self.ranges.borrow_mut();
            let culled = if self.culling { self.edges_in_view(view_min, view_max, px, &mut ranges) } else { None };
            let (total, culled) = match culled {
                Some(n) => {
                    self.settle_edges.clear();
                    self.settle_edges.extend_from_slice(&self.visible.borrow()[..4 * n]);
                    upload_f32_with(&gl, &self.settle_buffer, &self.settle_edges, Gl::STREAM_DRAW);
                    (n as u32, true)
                }
                None => ((self.n_edge_vertices / 2) as u32, false),
            };
            let node_ranges = if self.culling {
                self.node_cull.ranges(view_min, view_max, self.node_margin(camera, px), &mut ranges);
                ranges.clone()
            } else {
                std::iter::once(0..self.nodes.count.max(0) as u32).collect()
            };
            let nodes_total = node_ranges.iter().map(|r| r.end - r.start).sum();
            self.settling = Some(Settling {
                camera: *camera,
                width,
                height,
                next: 0,
                total,
                culled,
                node_ranges,
                node_next: 0,
                nodes_total,
            });
        }
        let selection = self.highlight_nodes.count > 0;
        let kept_here =
            self.snapshot.as_ref().is_some_and(|k| k.camera == Some(*camera) && k.width == width && k.height == height);
        if fresh && selection && kept_here {
            // The view has not moved but a node was selected: show the new selection at once
            // over the kept frame (the rest is dimmed when the frame is complete).
            gl.bind_framebuffer(Gl::FRAMEBUFFER, None);
            self.draw_moved(width, height, camera);
            gl.enable(Gl::BLEND);
            gl.blend_func(Gl::SRC_ALPHA, Gl::ONE_MINUS_SRC_ALPHA);
            self.draw_highlight(camera);
            gl.disable_vertex_attrib_array(self.node_loc.color);
            gl.disable_vertex_attrib_array(self.node_loc.size);
            return Some(SettleStep { done: false, edges: 0, nodes: 0, fill: 2.0 });
        }
        let st = self.settling.take()?;
        let area = (width.max(1) as f32) * (height.max(1) as f32);
        let side = width.max(height) as f32;
        let dim = if selection { DIM } else { 1.0 };
        gl.enable(Gl::BLEND);
        gl.blend_func(Gl::SRC_ALPHA, Gl::ONE_MINUS_SRC_ALPHA);
        // Edges of this step: at least one, then while the step's fill stays within the budget.
        let edges = if st.culled { &self.settle_edges } else { &self.sorted_edges };
        // (A new frame's clear fills the viewport once.)
        let (start, mut fill) = (st.next, if fresh { 1.0 } else { 0.0f32 });
        let mut end = start;
        while end < st.total {
            let s = &edges[4 * end as usize..4 * end as usize + 4];
            let len = ((s[2] - s[0]).abs() / px[0]).max((s[3] - s[1]).abs() / px[1]).min(side);
            let f = STEP_PRIMITIVE_COST + if len.is_finite() { LINE_PIXEL_COST * len / area } else { 0.0 };
            if end > start && fill + f > budget {
                break;
            }
            fill += f;
            end += 1;
        }
        if end > start {
            gl.use_program(Some(&self.edge_prog));
            gl.uniform2f(self.edge_loc.scale.as_ref(), camera.scale[0], camera.scale[1]);
            gl.uniform2f(self.edge_loc.offset.as_ref(), camera.offset[0], camera.offset[1]);
            gl.enable_vertex_attrib_array(self.edge_loc.pos);
            let c = EDGE_COLOR;
            gl.uniform4f(self.edge_loc.color.as_ref(), c[0], c[1], c[2], self.edge_alpha * dim);
            gl.bind_buffer(Gl::ARRAY_BUFFER, Some(if st.culled { &self.settle_buffer } else { &self.edges }));
            gl.vertex_attrib_pointer_with_i32(self.edge_loc.pos, 2, Gl::FLOAT, false, 0, 0);
            gl.draw_arrays(Gl::LINES, 2 * start as i32, 2 * (end - start) as i32);
        }
        let drawn_edges = end - start;
        let mut st = Settling { next: end, ..st };
        // Then the nodes, once the edges are all drawn, as many as the budget leaves room for.
        let node_fill = STEP_PRIMITIVE_COST + STEP_NODE_PIXEL_COST * self.node_disc_fill(camera, area);
        let mut drawn_nodes = 0;
        if st.next == st.total && st.node_next < st.nodes_total {
            let room = ((budget - fill) / node_fill.max(f32::MIN_POSITIVE)).floor().max(0.0) as u32;
            let take = if drawn_edges == 0 { room.max(1) } else { room };
            let to = st.nodes_total.min(st.node_next.saturating_add(take));
            if to > st.node_next {
                let mut ranges = self.ranges.borrow_mut();
                sub_ranges(&st.node_ranges, st.node_next, to, &mut ranges);
                self.draw_node_pass(camera, dim, &ranges);
                fill += (to - st.node_next) as f32 * node_fill;
                drawn_nodes = to - st.node_next;
                st.node_next = to;
            }
        }
        let nothing_drawn = !fresh && drawn_edges == 0 && drawn_nodes == 0;
        // Last: the selection and the showing of the frame, in this step if they fit.
        if st.next < st.total || st.node_next < st.nodes_total || !(nothing_drawn || fill + 1.0 <= budget) {
            gl.bind_framebuffer(Gl::FRAMEBUFFER, None);
            self.settling = Some(st);
            return Some(SettleStep { done: false, edges: drawn_edges, nodes: drawn_nodes, fill });
        }
        if selection {
            self.draw_highlight(camera);
            gl.disable_vertex_attrib_array(self.node_loc.color);
            gl.disable_vertex_attrib_array(self.node_loc.size);
        }
        gl.bind_framebuffer(Gl::FRAMEBUFFER, None);
        std::mem::swap(&mut self.snapshot, &mut self.spare);
        if let Some(snap) = self.snapshot.as_mut() {
            snap.camera = Some(*camera);
        }
        self.draw_moved(width, height, camera);
        Some(SettleStep { done: true, edges: drawn_edges, nodes: drawn_nodes, fill: fill + 1.0 })
    }

    /// Redraw the kept frame as seen from `camera` (moved and scaled; areas it does not cover
    /// show the background). False when there is no kept frame of this size.
    pub fn draw_moved(&self, width: u32, height: u32, camera: &Camera) -> bool {
        let Some(snap) = self.snapshot.as_ref().filter(|s| s.width == width && s.height == height) else {
            return false;
        };
        let Some(old) = snap.camera else { return false };
        if old.scale[0] == 0.0 || old.scale[1] == 0.0 {
            return false;
        }
        // clip_new = (clip_old - offset_old) * scale_new / scale_old + offset_new
        let k = [camera.scale[0] / old.scale[0], camera.scale[1] / old.scale[1]];
        let off = [camera.offset[0] - old.offset[0] * k[0], camera.offset[1] - old.offset[1] * k[1]];
        let gl = &self.gl;
        gl.viewport(0, 0, width as i32, height as i32);
        gl.clear_color(BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], BACKGROUND[3]);
        gl.clear(Gl::COLOR_BUFFER_BIT);
        gl.disable(Gl::BLEND);
        gl.use_program(Some(&self.quad_prog));
        gl.active_texture(Gl::TEXTURE0);
        gl.bind_texture(Gl::TEXTURE_2D, Some(&snap.texture));
        gl.uniform1i(self.quad_frame.as_ref(), 0);
        gl.uniform2f(self.quad_scale.as_ref(), k[0], k[1]);
        gl.uniform2f(self.quad_offset.as_ref(), off[0], off[1]);
        gl.enable_vertex_attrib_array(self.quad_corner);
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&self.quad));
        gl.vertex_attrib_pointer_with_i32(self.quad_corner, 2, Gl::FLOAT, false, 0, 0);
        gl.draw_arrays(Gl::TRIANGLE_STRIP, 0, 4);
        gl.bind_texture(Gl::TEXTURE_2D, None);
        true
    }

    fn make_snapshot(&self, width: u32, height: u32) -> Option<Snapshot> {
        let gl = &self.gl;
        let texture = gl.create_texture()?;
        gl.bind_texture(Gl::TEXTURE_2D, Some(&texture));
        gl.tex_image_2d_with_i32_and_i32_and_i32_and_format_and_type_and_opt_u8_array(
            Gl::TEXTURE_2D,
            0,
            Gl::RGBA as i32,
            width as i32,
            height as i32,
            0,
            Gl::RGBA,
            Gl::UNSIGNED_BYTE,
            None,
        )
        .ok()?;
        // Non-power-of-two textures in WebGL 1: no mipmaps, clamp to edge.
        gl.tex_parameteri(Gl::TEXTURE_2D, Gl::TEXTURE_MIN_FILTER, Gl::LINEAR as i32);
        gl.tex_parameteri(Gl::TEXTURE_2D, Gl::TEXTURE_MAG_FILTER, Gl::LINEAR as i32);
        gl.tex_parameteri(Gl::TEXTURE_2D, Gl::TEXTURE_WRAP_S, Gl::CLAMP_TO_EDGE as i32);
        gl.tex_parameteri(Gl::TEXTURE_2D, Gl::TEXTURE_WRAP_T, Gl::CLAMP_TO_EDGE as i32);
        gl.bind_texture(Gl::TEXTURE_2D, None);
        let framebuffer = gl.create_framebuffer()?;
        gl.bind_framebuffer(Gl::FRAMEBUFFER, Some(&framebuffer));
        gl.framebuffer_texture_2d(Gl::FRAMEBUFFER, Gl::COLOR_ATTACHMENT0, Gl::TEXTURE_2D, Some(&texture), 0);
        let complete = gl.check_framebuffer_status(Gl::FRAMEBUFFER) == Gl::FRAMEBUFFER_COMPLETE;
        gl.bind_framebuffer(Gl::FRAMEBUFFER, None);
        if !complete {
            gl.delete_framebuffer(Some(&framebuffer));
            gl.delete_texture(Some(&texture));
            return None;
        }
        Some(Snapshot { texture, framebuffer, width, height, camera: None })
    }

    /// Draw a frame into a drawing buffer of `width` x `height` device pixels; without the edges
    /// (but with the selection's) when `edges` is false.
    pub fn draw(&self, width: u32, height: u32, camera: &Camera, edges: bool) {
        self.draw_layers(width, height, camera, edges, true);
    }

    fn draw_layers(&self, width: u32, height: u32, camera: &Camera, edges: bool, with_selection: bool) {
        let gl = &self.gl;
        gl.viewport(0, 0, width as i32, height as i32);
        gl.clear_color(BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], BACKGROUND[3]);
        gl.clear(Gl::COLOR_BUFFER_BIT);
        gl.enable(Gl::BLEND);
        gl.blend_func(Gl::SRC_ALPHA, Gl::ONE_MINUS_SRC_ALPHA);
        let selection = with_selection && self.highlight_nodes.count > 0;
        let dim = if selection { DIM } else { 1.0 };

        // Edges.
        gl.use_program(Some(&self.edge_prog));
        gl.uniform2f(self.edge_loc.scale.as_ref(), camera.scale[0], camera.scale[1]);
        gl.uniform2f(self.edge_loc.offset.as_ref(), camera.offset[0], camera.offset[1]);
        gl.enable_vertex_attrib_array(self.edge_loc.pos);
        let (view_min, view_max, px) = view_rect(camera, width, height);
        let mut ranges = self.ranges.borrow_mut();
        if edges && self.n_edge_vertices > 0 {
            let c = EDGE_COLOR;
            gl.uniform4f(self.edge_loc.color.as_ref(), c[0], c[1], c[2], self.edge_alpha * dim);
            gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&self.edges));
            gl.vertex_attrib_pointer_with_i32(self.edge_loc.pos, 2, Gl::FLOAT, false, 0, 0);
            match self.culling.then(|| self.edges_in_view(view_min, view_max, px, &mut ranges)).flatten() {
                Some(n) => {
                    // Only the edges that meet the view, copied this frame.
                    if n > 0 {
                        let visible = self.visible.borrow();
                        upload_f32_with(gl, &self.visible_edges, &visible, Gl::STREAM_DRAW);
                        gl.vertex_attrib_pointer_with_i32(self.edge_loc.pos, 2, Gl::FLOAT, false, 0, 0);
                        gl.draw_arrays(Gl::LINES, 0, 2 * n as i32);
                    }
                }
                None => gl.draw_arrays(Gl::LINES, 0, self.n_edge_vertices),
            }
        }

        drop(ranges);
        self.draw_node_layers(camera, view_min, view_max, px, selection, dim);
    }

    /// The nodes (culled to the view unless culling is off), then the selection pass.
    fn draw_node_layers(
        &self,
        camera: &Camera,
        view_min: [f32; 2],
        view_max: [f32; 2],
        px: [f32; 2],
        selection: bool,
        dim: f32,
    ) {
        if self.culling {
            let mut ranges = self.ranges.borrow_mut();
            self.node_cull.ranges(view_min, view_max, self.node_margin(camera, px), &mut ranges);
            self.draw_node_pass(camera, dim, &ranges);
        } else {
            let all = 0..self.nodes.count.max(0) as u32;
            self.draw_node_pass(camera, dim, std::slice::from_ref(&all));
        }
        if selection {
            self.draw_highlight(camera);
        }
        let gl = &self.gl;
        gl.disable_vertex_attrib_array(self.node_loc.color);
        gl.disable_vertex_attrib_array(self.node_loc.size);
    }

    /// The nodes of `ranges` (of their GPU order), at alpha `dim`.
    fn draw_node_pass(&self, camera: &Camera, dim: f32, ranges: &[Range<u32>]) {
        let gl = &self.gl;
        gl.use_program(Some(&self.node_prog));
        gl.uniform2f(self.node_loc.scale.as_ref(), camera.scale[0], camera.scale[1]);
        gl.uniform2f(self.node_loc.offset.as_ref(), camera.offset[0], camera.offset[1]);
        gl.uniform1f(self.node_loc.point_scale.as_ref(), camera.point_scale);
        gl.uniform1f(self.node_loc.alpha.as_ref(), dim);
        self.draw_nodes(&self.nodes, Some(ranges));
    }

    /// Room around the view for culling nodes, in world units: the largest point as the shader
    /// sizes it (radius), plus its antialiased rim.
    fn node_margin(&self, camera: &Camera, px: [f32; 2]) -> [f32; 2] {
        let radius_px = (self.max_node_size * camera.point_scale).max(1.5) / 2.0 + EDGE_MARGIN_PX;
        [radius_px * px[0], radius_px * px[1]]
    }

    /// The fill of one node's disc (mean size), in viewports of `area` pixels.
    fn node_disc_fill(&self, camera: &Camera, area: f32) -> f32 {
        let mean_px = (self.mean_node_size * camera.point_scale).max(1.5);
        std::f32::consts::FRAC_PI_4 * mean_px * mean_px / area
    }

    /// The selection pass: the selected node's edges, then it and its neighbours, undimmed.
    fn draw_highlight(&self, camera: &Camera) {
        let gl = &self.gl;
        if self.n_highlight_edge_vertices > 0 {
            gl.use_program(Some(&self.edge_prog));
            gl.uniform2f(self.edge_loc.scale.as_ref(), camera.scale[0], camera.scale[1]);
            gl.uniform2f(self.edge_loc.offset.as_ref(), camera.offset[0], camera.offset[1]);
            gl.enable_vertex_attrib_array(self.edge_loc.pos);
            let c = HIGHLIGHT_EDGE_COLOR;
            gl.uniform4f(self.edge_loc.color.as_ref(), c[0], c[1], c[2], c[3]);
            gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&self.highlight_edges));
            gl.vertex_attrib_pointer_with_i32(self.edge_loc.pos, 2, Gl::FLOAT, false, 0, 0);
            gl.draw_arrays(Gl::LINES, 0, self.n_highlight_edge_vertices);
        }
        gl.use_program(Some(&self.node_prog));
        gl.uniform2f(self.node_loc.scale.as_ref(), camera.scale[0], camera.scale[1]);
        gl.uniform2f(self.node_loc.offset.as_ref(), camera.offset[0], camera.offset[1]);
        gl.uniform1f(self.node_loc.point_scale.as_ref(), camera.point_scale);
        gl.uniform1f(self.node_loc.alpha.as_ref(), 1.0);
        self.draw_nodes(&self.highlight_nodes, None);
        gl.disable_vertex_attrib_array(self.node_loc.color);
        gl.disable_vertex_attrib_array(self.node_loc.size);
    }

    /// Draw `nodes`, all of them or only the given ranges.
    fn draw_nodes(&self, nodes: &NodeBuffers, ranges: Option<&[Range<u32>]>) {
        if nodes.count == 0 {
            return;
        }
        let gl = &self.gl;
        let loc = &self.node_loc;
        gl.enable_vertex_attrib_array(loc.pos);
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&nodes.pos));
        gl.vertex_attrib_pointer_with_i32(loc.pos, 2, Gl::FLOAT, false, 0, 0);
        gl.enable_vertex_attrib_array(loc.color);
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&nodes.color));
        gl.vertex_attrib_pointer_with_i32(loc.color, 4, Gl::UNSIGNED_BYTE, true, 0, 0);
        gl.enable_vertex_attrib_array(loc.size);
        gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&nodes.size));
        gl.vertex_attrib_pointer_with_i32(loc.size, 1, Gl::FLOAT, false, 0, 0);
        match ranges {
            Some(ranges) => {
                for r in ranges {
                    gl.draw_arrays(Gl::POINTS, r.start as i32, (r.end - r.start) as i32);
                }
            }
            None => gl.draw_arrays(Gl::POINTS, 0, nodes.count),
        }
    }

    /// Cull edges and nodes outside the view (the default) or draw every one of them (the
    /// same picture, for comparisons and measurements).
    pub fn set_culling(&mut self, on: bool) {
        self.culling = on;
    }

    /// The edges that meet the view (grown by a margin), copied into `self.visible`: their
    /// number, or None when the view holds most of the graph (then all are drawn at once).
    fn edges_in_view(
        &self,
        view_min: [f32; 2],
        view_max: [f32; 2],
        px: [f32; 2],
        ranges: &mut Vec<Range<u32>>,
    ) -> Option<usize> {
        // 1-pixel lines touch pixels at most about a pixel from the segment.
        let margin = [EDGE_MARGIN_PX * px[0], EDGE_MARGIN_PX * px[1]];
        self.edge_cull.ranges(view_min, view_max, margin, ranges);
        if ranges.len() == 1 && ranges[0] == (0..self.edge_cull.len()) {
            return None;
        }
        let mut visible = self.visible.borrow_mut();
        let slack = self.edge_cull.slack();
        Some(cull::segments_meeting(&self.sorted_edges, ranges, view_min, view_max, margin, slack, &mut visible))
    }

    /// About how many times over a frame under `camera` on a `width` x `height` viewport fills
    /// the viewport: the visible edges' lengths in pixels (a 1-pixel line fills its longer
    /// axis), weighted by [`LINE_PIXEL_COST`], plus the drawn nodes' discs. On software GL a
    /// frame's time follows this fill; a moved kept frame (one full-viewport quad) fills 1.
    pub fn frame_fill(&self, width: u32, height: u32, camera: &Camera) -> f32 {
        let (view_min, view_max, px) = view_rect(camera, width, height);
        let mut ranges = self.ranges.borrow_mut();
        let area = (width.max(1) as f32) * (height.max(1) as f32);
        let edge_px = match self.edges_in_view(view_min, view_max, px, &mut ranges) {
            Some(_) => {
                let side = width.max(height) as f32;
                let visible = self.visible.borrow();
                visible
                    .chunks_exact(4)
                    .map(|s| ((s[2] - s[0]).abs() / px[0]).max((s[3] - s[1]).abs() / px[1]).min(side))
                    .filter(|l| l.is_finite())
                    .sum::<f32>()
            }
            // Everything: assume the worst (every edge fills a full row).
            None => self.edge_cull.len() as f32 * width.max(height) as f32,
        };
        drop(ranges);
        LINE_PIXEL_COST * edge_px / area + self.nodes_fill(width, height, camera)
    }

    /// The nodes' part of [`Renderer::frame_fill`]: the discs of the nodes drawn.
    fn nodes_fill(&self, width: u32, height: u32, camera: &Camera) -> f32 {
        let (view_min, view_max, px) = view_rect(camera, width, height);
        let mut ranges = self.ranges.borrow_mut();
        let area = (width.max(1) as f32) * (height.max(1) as f32);
        self.node_cull.ranges(view_min, view_max, self.node_margin(camera, px), &mut ranges);
        let nodes = ranges.iter().map(|r| r.end - r.start).sum::<u32>() as f32;
        nodes * self.node_disc_fill(camera, area)
    }

    /// How many edges and nodes a frame under `camera` on a `width` x `height` viewport draws.
    pub fn drawn_counts(&self, width: u32, height: u32, camera: &Camera) -> (u32, u32) {
        if !self.culling {
            return (self.edge_cull.len(), self.node_cull.len());
        }
        let (view_min, view_max, px) = view_rect(camera, width, height);
        let mut ranges = self.ranges.borrow_mut();
        let count = |r: &[Range<u32>]| r.iter().map(|r| r.end - r.start).sum::<u32>();
        let edges = match self.edges_in_view(view_min, view_max, px, &mut ranges) {
            Some(n) => n as u32,
            None => self.edge_cull.len(),
        };
        self.node_cull.ranges(view_min, view_max, self.node_margin(camera, px), &mut ranges);
        (edges, count(&ranges))
    }
}

/// Cost of a pixel of a blended 1-pixel line relative to a pixel of the moved frame's textured
/// quad, measured in SwiftShader (1.7-4.3 times: 30-75 ns against 16-25 ns; the low end is used;
/// BENCHMARKS.md, "Frame times").
pub const LINE_PIXEL_COST: f32 = 2.0;

/// In a step of a settled frame ([`Renderer::draw_settled_step`]), the cost of a primitive
/// (edge or node) besides its pixels, in viewport fills: SwiftShader drew 52,000 short edges
/// (1.5 fills of pixels) in 45-60 ms against 15-20 ms for 1.5 fills of fewer, longer ones, about
/// 0.7 us an edge where a fill is ~11 ms (BENCHMARKS.md, "Frame times").
const STEP_PRIMITIVE_COST: f32 = 1.0 / 16_000.0;
/// In a step of a settled frame, the cost of a pixel of a node's disc relative to a pixel of the
/// moved frame's quad: 1.46 fills of discs took 35 ms where 1.5 fills of lines took 15-20 ms
/// (the point shader's rim and blending).
const STEP_NODE_PIXEL_COST: f32 = 2.5;

/// Room around the view for culling, in device pixels: a 1-pixel line or a point's rim can
/// touch a pixel up to about a pixel beyond its geometry.
const EDGE_MARGIN_PX: f32 = 1.5;

/// The part of the concatenation of `ranges` from position `from` to `to` (positions counted
/// over the ranges' items in order), as ranges, into `out`.
pub fn sub_ranges(ranges: &[Range<u32>], from: u32, to: u32, out: &mut Vec<Range<u32>>) {
    out.clear();
    let mut at = 0u32;
    for r in ranges {
        let len = r.end - r.start;
        let (lo, hi) = (from.max(at), to.min(at + len));
        if lo < hi {
            out.push(r.start + (lo - at)..r.start + (hi - at));
        }
        at += len;
        if at >= to {
            break;
        }
    }
}

/// The world rectangle (min, max) a camera shows on a `width` x `height` viewport, and the
/// world size of one device pixel along each axis.
fn view_rect(camera: &Camera, width: u32, height: u32) -> ([f32; 2], [f32; 2], [f32; 2]) {
    let world = |clip: f32, axis: usize| (clip - camera.offset[axis]) / camera.scale[axis];
    let (x0, x1) = (world(-1.0, 0), world(1.0, 0));
    let (y0, y1) = (world(-1.0, 1), world(1.0, 1));
    let px =
        [2.0 / (camera.scale[0].abs() * width.max(1) as f32), 2.0 / (camera.scale[1].abs() * height.max(1) as f32)];
    ([x0.min(x1), y0.min(y1)], [x0.max(x1), y0.max(y1)], px)
}

fn upload_nodes(gl: &Gl, buffers: &mut NodeBuffers, positions: &[f32], colors: &[u8], sizes: &[f32]) {
    let n = (positions.len() / 2).min(colors.len() / 4).min(sizes.len());
    upload_f32(gl, &buffers.pos, &positions[..2 * n]);
    gl.bind_buffer(Gl::ARRAY_BUFFER, Some(&buffers.color));
    gl.buffer_data_with_u8_array(Gl::ARRAY_BUFFER, &colors[..4 * n], Gl::STATIC_DRAW);
    upload_f32(gl, &buffers.size, &sizes[..n]);
    buffers.count = n as i32;
}

fn upload_f32(gl: &Gl, buffer: &WebGlBuffer, data: &[f32]) {
    upload_f32_with(gl, buffer, data, Gl::STATIC_DRAW);
}

/// Upload `data` into `buffer` (left bound) with a usage hint.
fn upload_f32_with(gl: &Gl, buffer: &WebGlBuffer, data: &[f32], usage: u32) {
    gl.bind_buffer(Gl::ARRAY_BUFFER, Some(buffer));
    // Safety: the view is used immediately by bufferData (which copies it) and no allocation
    // happens in between, so wasm memory cannot grow under it.
    unsafe {
        let view = js_sys::Float32Array::view(data);
        gl.buffer_data_with_array_buffer_view(Gl::ARRAY_BUFFER, &view, usage);
    }
}

fn compile(gl: &Gl, kind: u32, source: &str) -> Result<WebGlShader, String> {
    let shader = gl.create_shader(kind).ok_or_else(|| "could not create a WebGL shader".to_string())?;
    gl.shader_source(&shader, source);
    gl.compile_shader(&shader);
    if gl.get_shader_parameter(&shader, Gl::COMPILE_STATUS).as_bool().unwrap_or(false) {
        Ok(shader)
    } else {
        Err(format!("WebGL shader did not compile: {}", gl.get_shader_info_log(&shader).unwrap_or_default()))
    }
}

fn link(gl: &Gl, vs: &str, fs: &str) -> Result<WebGlProgram, String> {
    let vs = compile(gl, Gl::VERTEX_SHADER, vs)?;
    let fs = compile(gl, Gl::FRAGMENT_SHADER, fs)?;
    let prog = gl.create_program().ok_or_else(|| "could not create a WebGL program".to_string())?;
    gl.attach_shader(&prog, &vs);
    gl.attach_shader(&prog, &fs);
    gl.link_program(&prog);
    if gl.get_program_parameter(&prog, Gl::LINK_STATUS).as_bool().unwrap_or(false) {
        Ok(prog)
    } else {
        Err(format!("WebGL program did not link: {}", gl.get_program_info_log(&prog).unwrap_or_default()))
    }
}

/// The message of a JS error value, or its debug form.
pub fn js_message(e: &wasm_bindgen::JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

/// The network view's canvas as a PNG `data:` URL (the canvas keeps its drawing buffer, so this
/// is the frame on screen, background included).
pub fn export_png(canvas: &HtmlCanvasElement) -> Result<String, String> {
    if canvas.width() == 0 || canvas.height() == 0 {
        return Err("the network view has no size yet (is it visible?)".to_string());
    }
    canvas
        .to_data_url_with_type("image/png")
        .map_err(|e| format!("could not export the network view as PNG: {}", js_message(&e)))
}
