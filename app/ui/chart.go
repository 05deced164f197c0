package ui

import (
	"fmt"
	"image/color"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/patient"
)

// point is one measure at a date.
type point struct {
	t time.Time
	v float64
}

// series is a named line of the chart.
type series struct {
	name string
	col  color.Color
	pts  []point
	unit string
}

// measureSeries extracts weight and blood pressure over time.
func measureSeries(u *UI, cs []patient.Consultation) []series {
	w := series{name: u.t("Poids", "Weight"), col: color.NRGBA{0x3b, 0x82, 0xf6, 0xff}, unit: "kg"}
	sys := series{name: u.t("TA systolique", "Systolic BP"), col: color.NRGBA{0xe1, 0x4d, 0x4d, 0xff}, unit: "mmHg"}
	dia := series{name: u.t("TA diastolique", "Diastolic BP"), col: color.NRGBA{0xf5, 0x9e, 0x0b, 0xff}, unit: "mmHg"}
	for _, c := range cs {
		if c.Measures.WeightG > 0 {
			w.pts = append(w.pts, point{c.Date, float64(c.Measures.WeightG) / 1000})
		}
		if c.Measures.Systolic > 0 {
			sys.pts = append(sys.pts, point{c.Date, float64(c.Measures.Systolic)})
			dia.pts = append(dia.pts, point{c.Date, float64(c.Measures.Diastolic)})
		}
	}
	var out []series
	for _, s := range []series{w, sys, dia} {
		if len(s.pts) >= 2 {
			slices.SortFunc(s.pts, func(a, b point) int { return a.t.Compare(b.t) })
			out = append(out, s)
		}
	}
	return out
}

// measuresChart draws each series in its own small strip: a line over
// time with its first and last values. It returns nil when there is
// nothing to draw (fewer than two measures).
func measuresChart(u *UI, cs []patient.Consultation) fyne.CanvasObject {
	ss := measureSeries(u, cs)
	if len(ss) == 0 {
		return nil
	}
	const w, h = 520, 70
	rows := container.NewVBox()
	for _, s := range ss {
		lo, hi := s.pts[0].v, s.pts[0].v
		for _, p := range s.pts {
			lo, hi = min(lo, p.v), max(hi, p.v)
		}
		if hi-lo < 1 {
			hi, lo = hi+0.5, lo-0.5
		}
		t0, t1 := s.pts[0].t, s.pts[len(s.pts)-1].t
		span := t1.Sub(t0).Seconds()
		if span <= 0 {
			span = 1
		}
		x := func(t time.Time) float32 { return float32(t.Sub(t0).Seconds() / span * (w - 10)) }
		y := func(v float64) float32 { return float32(h - 8 - (v-lo)/(hi-lo)*(h-16)) }
		plot := container.NewWithoutLayout()
		bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
		bg.Resize(fyne.NewSize(w, h))
		plot.Add(bg)
		for i := 1; i < len(s.pts); i++ {
			l := canvas.NewLine(s.col)
			l.StrokeWidth = 2
			l.Position1 = fyne.NewPos(5+x(s.pts[i-1].t), y(s.pts[i-1].v))
			l.Position2 = fyne.NewPos(5+x(s.pts[i].t), y(s.pts[i].v))
			plot.Add(l)
		}
		for _, p := range s.pts {
			dot := canvas.NewCircle(s.col)
			dot.Resize(fyne.NewSize(6, 6))
			dot.Move(fyne.NewPos(5+x(p.t)-3, y(p.v)-3))
			plot.Add(dot)
		}
		sized := container.NewGridWrap(fyne.NewSize(w, h), plot)
		first, last := s.pts[0], s.pts[len(s.pts)-1]
		caption := widget.NewLabel(fmt.Sprintf("%s : %s %s (%s) → %s %s (%s)", s.name, trimFloat(first.v), s.unit, first.t.Format("01/2006"),
			trimFloat(last.v), s.unit, last.t.Format("01/2006")))
		caption.SizeName = theme.SizeNameCaptionText
		rows.Add(caption)
		rows.Add(sized)
	}
	return widget.NewCard(u.t("Évolution des mesures", "Measures over time"), "", rows)
}

func trimFloat(v float64) string {
	if v == float64(int(v)) {
		return fmt.Sprintf("%d", int(v))
	}
	return fmt.Sprintf("%.1f", v)
}
