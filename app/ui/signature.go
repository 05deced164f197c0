package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// signaturePad lets a patient sign with the mouse or a finger; the strokes
// become a PNG kept as the proof of a consent.
type signaturePad struct {
	widget.BaseWidget
	strokes [][]fyne.Position
	size    fyne.Size
}

func newSignaturePad() *signaturePad {
	s := &signaturePad{size: fyne.NewSize(420, 150)}
	s.ExtendBaseWidget(s)
	return s
}

func (s *signaturePad) Dragged(e *fyne.DragEvent) {
	if len(s.strokes) == 0 || s.strokes[len(s.strokes)-1] == nil {
		s.strokes = append(s.strokes, nil)
	}
	last := &s.strokes[len(s.strokes)-1]
	*last = append(*last, e.Position)
	s.Refresh()
}

func (s *signaturePad) DragEnd() { s.strokes = append(s.strokes, nil) }

// Empty reports whether nothing was drawn.
func (s *signaturePad) Empty() bool {
	for _, st := range s.strokes {
		if len(st) > 1 {
			return false
		}
	}
	return true
}

// Clear wipes the pad.
func (s *signaturePad) Clear() { s.strokes = nil; s.Refresh() }

// PNG draws the strokes, black on white.
func (s *signaturePad) PNG() []byte {
	w, h := int(s.size.Width), int(s.size.Height)
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	ink := color.RGBA{0x10, 0x10, 0x40, 0xff}
	for _, st := range s.strokes {
		for i := 1; i < len(st); i++ {
			line(img, st[i-1], st[i], ink)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// line draws a 2-pixel segment (Bresenham).
func line(img *image.RGBA, a, b fyne.Position, c color.RGBA) {
	x0, y0, x1, y1 := int(a.X), int(a.Y), int(b.X), int(b.Y)
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		img.SetRGBA(x0, y0, c)
		img.SetRGBA(x0+1, y0, c)
		img.SetRGBA(x0, y0+1, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func sign(n int) int {
	switch {
	case n > 0:
		return 1
	case n < 0:
		return -1
	}
	return 0
}

func (s *signaturePad) MinSize() fyne.Size { return s.size }

func (s *signaturePad) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(color.White)
	r := &sigRenderer{s: s, bg: bg}
	r.Refresh()
	return r
}

type sigRenderer struct {
	s     *signaturePad
	bg    *canvas.Rectangle
	lines []fyne.CanvasObject
}

func (r *sigRenderer) Layout(size fyne.Size) { r.bg.Resize(size) }
func (r *sigRenderer) MinSize() fyne.Size    { return r.s.size }
func (r *sigRenderer) Destroy()              {}
func (r *sigRenderer) Objects() []fyne.CanvasObject {
	return append([]fyne.CanvasObject{r.bg}, r.lines...)
}

func (r *sigRenderer) Refresh() {
	r.lines = r.lines[:0]
	for _, st := range r.s.strokes {
		for i := 1; i < len(st); i++ {
			l := canvas.NewLine(color.NRGBA{0x10, 0x10, 0x40, 0xff})
			l.StrokeWidth = 2
			l.Position1, l.Position2 = st[i-1], st[i]
			r.lines = append(r.lines, l)
		}
	}
	r.bg.Refresh()
}
