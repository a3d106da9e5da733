// Redraws batched per animation frame: a widget marked dirty is drawn once, in the next frame,
// however often it changed in between. render.js says how a frame is drawn.

const dirty = new Set();
let frameRequested = false;
let drawFrame = () => false;

// Draw the next frames with `draw(dirty, now)` (`now`: the frame's time): it removes from the
// set the widgets it drew, and returns true when those left want another frame.
export function onFrame(draw) {
  drawFrame = draw;
}

// Redraw `widget` in the next frame.
export function markDirty(widget) {
  dirty.add(widget);
  requestFrame();
}

// Ask for a frame if widgets wait to be drawn (after a pause).
export function resumeFrames() {
  if (dirty.size) requestFrame();
}

function requestFrame() {
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame((now) => {
      frameRequested = false;
      if (drawFrame(dirty, now)) requestFrame();
    });
  }
}
