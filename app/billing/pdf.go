package billing

import (
	"fmt"
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// DocOptions shape a rendered note.
type DocOptions struct {
	Status   Status
	Paid     Cents
	Payments []Payment
	// Receipt renders the acquit: the note marked as paid, with the
	// payments and the practitioner's acknowledgement.
	Receipt bool
}

func frDate(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return t.Format("02/01/2006")
}

type doc struct {
	pdf *fpdf.Fpdf
	tr  func(string) string
}

func newDoc(title string) *doc {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(18, 18, 18)
	p.SetAutoPageBreak(true, 20)
	p.SetCreator("Cabinet", true)
	p.SetTitle(title, true)
	p.AliasNbPages("")
	d := &doc{pdf: p, tr: p.UnicodeTranslatorFromDescriptor("")}
	p.SetFooterFunc(func() {
		p.SetY(-14)
		p.SetFont("Helvetica", "", 8)
		p.SetTextColor(110, 110, 110)
		p.CellFormat(0, 5, d.tr(fmt.Sprintf("%s — page %d/{nb}", title, p.PageNo())), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	return d
}

func (d *doc) text(style string, size float64, h float64, s string) {
	d.pdf.SetFont("Helvetica", style, size)
	d.pdf.MultiCell(0, h, d.tr(s), "", "L", false)
}

// header writes the practitioner block on the left and the document's
// title, number and date on the right.
func (d *doc) header(p Practitioner, title, number, date string) {
	pdf := d.pdf
	top := pdf.GetY()
	pdf.SetFont("Helvetica", "B", 12)
	pdf.MultiCell(95, 6, d.tr(p.Name), "", "L", false)
	pdf.SetFont("Helvetica", "", 9.5)
	var lines []string
	if p.Profession != "" {
		lines = append(lines, p.Profession)
	}
	if p.Address != "" {
		lines = append(lines, strings.Split(p.Address, "\n")...)
	}
	if p.RPPS != "" {
		lines = append(lines, "RPPS : "+p.RPPS)
	}
	if p.ADELI != "" {
		lines = append(lines, "ADELI : "+p.ADELI)
	}
	if p.SIRET != "" {
		lines = append(lines, "SIRET : "+p.SIRET)
	}
	pdf.MultiCell(95, 4.6, d.tr(strings.Join(lines, "\n")), "", "L", false)
	left := pdf.GetY()
	pdf.SetXY(118, top)
	pdf.SetFont("Helvetica", "B", 15)
	pdf.MultiCell(74, 7, d.tr(title), "", "R", false)
	pdf.SetX(118)
	pdf.SetFont("Helvetica", "", 10)
	pdf.MultiCell(74, 5.5, d.tr(number+"\n"+date), "", "R", false)
	pdf.SetY(max(left, pdf.GetY()) + 8)
}

// WriteNote renders a note d'honoraires, a credit note or, with
// o.Receipt, the acquit of a paid note, as an A4 PDF.
func WriteNote(w io.Writer, n Note, o DocOptions) error {
	title := "Note d'honoraires"
	switch {
	case n.Kind == Credit:
		title = "Avoir"
	case o.Receipt:
		title = "Note d'honoraires acquittée"
	}
	number := "N° " + n.Number
	if !n.Issued() {
		number = "BROUILLON — sans valeur"
	}
	d := newDoc(title + " " + n.Number)
	pdf := d.pdf
	d.header(n.Practitioner, title, number, "Date : "+frDate(n.Date))

	patientLine := "Patient : " + n.PatientName
	if n.Anonymous || n.PatientName == "" {
		patientLine = "Patient : nom non mentionné à la demande du patient (réf. " + PatientRef(n.PatientID) + ")"
	}
	d.text("B", 10.5, 6, patientLine)
	service := "Soins du " + frDate(n.ServiceDate)
	if n.ServicePlace != "" {
		service += " à " + n.ServicePlace
	}
	d.text("", 10, 5.5, service)
	if n.Kind == Credit {
		d.text("", 10, 5.5, "Annule la note d'honoraires n° "+n.CreditOf+". Motif : "+n.Reason)
	}
	pdf.Ln(4)

	// Lines.
	widths := []float64{24, 78, 18, 27, 27}
	heads := []string{"Code", "Acte", "Qté", "Prix unitaire", "Montant"}
	aligns := []string{"L", "L", "C", "R", "R"}
	pdf.SetFont("Helvetica", "B", 9.5)
	pdf.SetFillColor(232, 238, 247)
	for i, h := range heads {
		pdf.CellFormat(widths[i], 7, d.tr(h), "TB", 0, aligns[i], true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 9.5)
	for _, l := range n.Lines {
		cells := []string{l.Code, l.Label, fmt.Sprint(l.Qty), l.Unit.Euros(), l.Total().Euros()}
		for i, c := range cells {
			pdf.CellFormat(widths[i], 6.5, d.tr(c), "B", 0, aligns[i], false, 0, "")
		}
		pdf.Ln(-1)
	}
	pdf.SetFont("Helvetica", "B", 10.5)
	pdf.CellFormat(widths[0]+widths[1]+widths[2]+widths[3], 8, d.tr("Total"), "", 0, "R", false, 0, "")
	pdf.CellFormat(widths[4], 8, d.tr(n.Total.Euros()), "", 1, "R", false, 0, "")
	pdf.Ln(2)
	d.text("I", 9, 5, VATMention)
	pdf.Ln(3)

	// Payment status.
	if n.Kind == Invoice && n.Issued() {
		status := "Statut : " + o.Status.French()
		if o.Status == Partly {
			status += fmt.Sprintf(" — réglé %s, reste dû %s", o.Paid.Euros(), (n.Total - o.Paid).Euros())
		}
		d.text("B", 10, 5.5, status)
		for _, p := range o.Payments {
			d.text("", 9.5, 5, fmt.Sprintf("Règlement du %s : %s par %s", frDate(p.Date), p.Amount.Euros(), strings.ToLower(p.Method.French())))
		}
	}
	if o.Receipt {
		pdf.Ln(6)
		d.text("", 10, 5.5, fmt.Sprintf("Je soussigné(e) %s reconnais avoir reçu la somme de %s en règlement de la note n° %s.",
			n.Practitioner.Name, o.Paid.Euros(), n.Number))
		pdf.Ln(4)
		d.text("", 10, 5.5, "Pour acquit, le "+frDate(lastPayment(o.Payments, n.Date)))
	}
	if !n.Issued() {
		pdf.Ln(6)
		d.text("B", 11, 6, "Document provisoire : cette note n'a pas encore été émise.")
	}
	return pdf.Output(w)
}

func lastPayment(ps []Payment, def string) string {
	last := def
	for _, p := range ps {
		if p.Date > last {
			last = p.Date
		}
	}
	return last
}

// WriteReminder renders a reminder letter for an unpaid or partly paid
// note, asking for what is left to pay.
func WriteReminder(w io.Writer, n Note, due Cents, today string) error {
	d := newDoc("Rappel " + n.Number)
	d.header(n.Practitioner, "Rappel", "Note n° "+n.Number, "Le "+frDate(today))
	name := n.PatientName
	if n.Anonymous || name == "" {
		name = "Madame, Monsieur"
	}
	d.text("B", 10.5, 6, name)
	d.pdf.Ln(4)
	d.text("", 10.5, 6, fmt.Sprintf("Sauf erreur de ma part, la note d'honoraires n° %s du %s, pour les soins du %s, "+
		"reste à régler pour un montant de %s (total de la note : %s).", n.Number, frDate(n.Date), frDate(n.ServiceDate),
		due.Euros(), n.Total.Euros()))
	d.pdf.Ln(3)
	d.text("", 10.5, 6, "Je vous remercie de bien vouloir procéder à ce règlement à votre convenance, par chèque, virement, "+
		"carte bancaire ou en espèces lors de votre prochaine venue. Si vous l'avez déjà effectué, merci de ne pas tenir compte de ce courrier.")
	d.pdf.Ln(3)
	d.text("", 10.5, 6, "Je vous prie d'agréer l'expression de mes salutations distinguées.")
	d.pdf.Ln(6)
	d.text("", 10.5, 6, n.Practitioner.Name)
	return d.pdf.Output(w)
}

// Summary is a year's receipts, for the déclaration 2035.
type Summary struct {
	Year     int
	ByMonth  [12]Cents
	ByMethod map[Method]Cents
	Total    Cents
	Count    int
}

// Summarize adds up receipts by month and form of payment.
func Summarize(year int, rs []Receipt) Summary {
	s := Summary{Year: year, ByMethod: map[Method]Cents{}}
	for _, r := range rs {
		t, err := time.Parse(time.DateOnly, r.Date)
		if err != nil || t.Year() != year {
			continue
		}
		s.ByMonth[t.Month()-1] += r.Amount
		s.ByMethod[r.Method] += r.Amount
		s.Total += r.Amount
		s.Count++
	}
	return s
}

var months = []string{"Janvier", "Février", "Mars", "Avril", "Mai", "Juin", "Juillet", "Août", "Septembre", "Octobre", "Novembre", "Décembre"}

// WriteSummary renders the yearly summary of receipts.
func WriteSummary(w io.Writer, pr Practitioner, s Summary) error {
	title := fmt.Sprintf("Récapitulatif des recettes %d", s.Year)
	d := newDoc(title)
	d.header(pr, "Recettes "+fmt.Sprint(s.Year), "Pour la déclaration 2035", fmt.Sprintf("%d encaissements", s.Count))
	pdf := d.pdf
	table := func(head string, rows [][2]string, total Cents) {
		pdf.SetFont("Helvetica", "B", 10)
		pdf.SetFillColor(232, 238, 247)
		pdf.CellFormat(110, 7, d.tr(head), "TB", 0, "L", true, 0, "")
		pdf.CellFormat(40, 7, d.tr("Montant"), "TB", 1, "R", true, 0, "")
		pdf.SetFont("Helvetica", "", 10)
		for _, r := range rows {
			pdf.CellFormat(110, 6.5, d.tr(r[0]), "B", 0, "L", false, 0, "")
			pdf.CellFormat(40, 6.5, d.tr(r[1]), "B", 1, "R", false, 0, "")
		}
		pdf.SetFont("Helvetica", "B", 10)
		pdf.CellFormat(110, 7, d.tr("Total"), "", 0, "R", false, 0, "")
		pdf.CellFormat(40, 7, d.tr(total.Euros()), "", 1, "R", false, 0, "")
		pdf.Ln(6)
	}
	var rows [][2]string
	for i, m := range months {
		rows = append(rows, [2]string{m, s.ByMonth[i].Euros()})
	}
	table("Mois", rows, s.Total)
	rows = nil
	for _, m := range Methods {
		rows = append(rows, [2]string{m.French(), s.ByMethod[m].Euros()})
	}
	table("Mode de paiement", rows, s.Total)
	d.text("I", 9, 5, "Recettes encaissées du 1er janvier au 31 décembre (comptabilité de trésorerie), honoraires rétrocédés non déduits.")
	return pdf.Output(w)
}
