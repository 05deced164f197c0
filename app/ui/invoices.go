package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/practice"
)

// invoicesView lists notes d'honoraires with filters, and pays, cancels
// and prints the selected one.
type invoicesView struct {
	u       *UI
	content fyne.CanvasObject

	year, status *widget.Select
	list         *widget.List
	notes        []practice.NoteState
	selected     int
	summary      *widget.Label
	detail       *widget.Label

	payBtn, cancelBtn, pdfBtn, receiptBtn, remindBtn *widget.Button
}

var statusFilters = []billing.Status{"", billing.Unpaid, billing.Partly, billing.Paid, billing.Cancelled, billing.Refund}

func (u *UI) statusText(s billing.Status) string {
	if s == "" {
		return u.t("Tous les statuts", "All statuses")
	}
	if u.opts.Lang == "en" {
		return map[billing.Status]string{billing.Unpaid: "Unpaid", billing.Partly: "Partly paid", billing.Paid: "Paid",
			billing.Cancelled: "Cancelled (credit note)", billing.Refund: "Credit note"}[s]
	}
	return s.French()
}

func (u *UI) methodText(m billing.Method) string {
	if u.opts.Lang == "en" {
		return map[billing.Method]string{billing.Cash: "Cash", billing.Cheque: "Cheque", billing.Card: "Card",
			billing.Transfer: "Transfer", billing.ThirdParty: "Third-party payer"}[m]
	}
	return m.French()
}

func newInvoicesView(u *UI) *invoicesView {
	v := &invoicesView{u: u, selected: -1}
	years := []string{u.t("Toutes les années", "All years")}
	for y := time.Now().Year(); y >= time.Now().Year()-10; y-- {
		years = append(years, strconv.Itoa(y))
	}
	v.year = u.newSelect(years, func(string) { v.refresh() })
	var statuses []string
	for _, s := range statusFilters {
		statuses = append(statuses, u.statusText(s))
	}
	v.status = u.newSelect(statuses, func(string) { v.refresh() })
	v.summary = widget.NewLabel("")
	v.detail = widget.NewLabel("")
	v.detail.Wrapping = fyne.TextWrapWord
	v.list = widget.NewList(
		func() int { return len(v.notes) },
		func() fyne.CanvasObject {
			return container.NewGridWithColumns(5, widget.NewLabel("2026-000000"), widget.NewLabel("01/01/2026"),
				widget.NewLabel("0,00 €"), widget.NewLabel(u.statusText(billing.Partly)), widget.NewLabel(u.t("NOM Prénom", "NAME First name")))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(v.notes) {
				return
			}
			n := v.notes[i]
			cells := o.(*fyne.Container).Objects
			name := n.PatientName
			if name == "" {
				name = billing.PatientRef(n.PatientID)
			}
			for j, s := range []string{n.Number, frDate(n.Date), n.Total.Euros(), u.statusText(n.Status), name} {
				l := cells[j].(*widget.Label)
				l.Truncation = fyne.TextTruncateEllipsis
				l.SetText(s)
			}
		})
	v.list.OnSelected = func(i widget.ListItemID) { v.selected = i; v.showSelected() }
	v.list.OnUnselected = func(widget.ListItemID) { v.selected = -1; v.showSelected() }

	v.payBtn = widget.NewButtonWithIcon(u.t("Encaisser…", "Record payment…"), theme.ConfirmIcon(), v.payDialog)
	v.cancelBtn = widget.NewButtonWithIcon(u.t("Annuler par un avoir…", "Cancel with a credit note…"), theme.CancelIcon(), v.cancelDialog)
	v.pdfBtn = widget.NewButtonWithIcon(u.t("PDF…", "PDF…"), theme.DocumentSaveIcon(), func() { v.savePDF("note") })
	v.receiptBtn = widget.NewButtonWithIcon(u.t("Reçu (acquit)…", "Receipt…"), theme.DocumentSaveIcon(), func() { v.savePDF("receipt") })
	v.remindBtn = widget.NewButtonWithIcon(u.t("Lettre de rappel…", "Reminder letter…"), theme.MailSendIcon(), func() { v.savePDF("reminder") })
	actions := container.NewHBox(v.payBtn, v.cancelBtn, v.pdfBtn, v.receiptBtn, v.remindBtn)

	wide := func(o fyne.CanvasObject, w float32) fyne.CanvasObject {
		return container.NewGridWrap(fyne.NewSize(w, o.MinSize().Height), o)
	}
	filters := container.NewHBox(widget.NewLabel(u.t("Filtrer :", "Filter:")), wide(v.year, 170), wide(v.status, 230), v.summary)
	v.content = container.NewBorder(filters, container.NewVBox(widget.NewSeparator(), v.detail, actions), nil, nil, v.list)
	v.year.SetSelected(strconv.Itoa(time.Now().Year()))
	v.status.SetSelectedIndex(0)
	return v
}

func (v *invoicesView) filter() practice.NoteFilter {
	var f practice.NoteFilter
	if i := v.year.SelectedIndex(); i > 0 {
		f.Year, _ = strconv.Atoi(v.year.Selected)
	}
	if i := v.status.SelectedIndex(); i > 0 {
		f.Status = statusFilters[i]
	}
	return f
}

// refresh reloads the list with the filters, keeping the selected note.
func (v *invoicesView) refresh() {
	if v.list == nil || v.status == nil || v.year == nil {
		return
	}
	v.u.touch()
	keep := ""
	if v.selected >= 0 && v.selected < len(v.notes) {
		keep = v.notes[v.selected].Number
	}
	notes, err := v.u.p.Notes(context.Background(), v.filter())
	if err != nil {
		v.summary.SetText(v.u.errText(err))
		return
	}
	slices.Reverse(notes) // newest first
	v.notes = notes
	var total, due billing.Cents
	for _, n := range notes {
		total += n.Total
		due += n.Due
	}
	v.summary.SetText(fmt.Sprintf(v.u.t("%d notes · total %s · reste dû %s", "%d notes · total %s · due %s"), len(notes), total.Euros(), due.Euros()))
	v.selected = -1
	v.list.UnselectAll()
	v.list.Refresh()
	for i, n := range notes {
		if n.Number == keep {
			v.list.Select(i)
		}
	}
	v.showSelected()
}

func (v *invoicesView) current() (practice.NoteState, bool) {
	if v.selected < 0 || v.selected >= len(v.notes) {
		return practice.NoteState{}, false
	}
	return v.notes[v.selected], true
}

func (v *invoicesView) showSelected() {
	u := v.u
	n, ok := v.current()
	for _, b := range []*widget.Button{v.payBtn, v.cancelBtn, v.pdfBtn, v.receiptBtn, v.remindBtn} {
		b.Disable()
	}
	if !ok {
		v.detail.SetText(u.t("Sélectionnez une note.", "Select a note."))
		return
	}
	v.pdfBtn.Enable()
	text := fmt.Sprintf(u.t("Note %s du %s — %s — %s", "Note %s of %s — %s — %s"), n.Number, frDate(n.Date), n.Total.Euros(), u.statusText(n.Status))
	for _, p := range n.Payments {
		text += fmt.Sprintf(u.t("\nRèglement du %s : %s (%s)", "\nPayment of %s: %s (%s)"), frDate(p.Date), p.Amount.Euros(), u.methodText(p.Method))
	}
	if n.CreditBy != "" {
		text += fmt.Sprintf(u.t("\nAnnulée par l'avoir %s", "\nCancelled by credit note %s"), n.CreditBy)
	}
	if n.CreditOf != "" {
		text += fmt.Sprintf(u.t("\nAvoir de la note %s : %s", "\nCredit note for %s: %s"), n.CreditOf, n.Reason)
	}
	v.detail.SetText(text)
	if n.Due > 0 {
		v.payBtn.Enable()
		v.remindBtn.Enable()
	}
	if n.Kind == billing.Invoice && n.CreditBy == "" {
		v.cancelBtn.Enable()
	}
	if n.Status == billing.Paid {
		v.receiptBtn.Enable()
	}
}

// pay records a payment typed in the dialog.
func (v *invoicesView) pay(number, amount string, method billing.Method, date string) error {
	cents, err := parseEuros(amount)
	if err != nil {
		return errors.New(v.u.t("Montant invalide : "+err.Error()+" (ex. 30,00).", "Invalid amount (e.g. 30.00)."))
	}
	d := isoDate(date)
	if _, err := time.Parse(time.DateOnly, d); err != nil {
		return errors.New(v.u.t("Date invalide : JJ/MM/AAAA.", "Invalid date: DD/MM/YYYY."))
	}
	if _, err := v.u.p.Pay(context.Background(), number, cents, method, d); err != nil {
		return errors.New(v.u.errText(err))
	}
	v.refresh()
	return nil
}

func (v *invoicesView) payDialog() {
	u := v.u
	n, ok := v.current()
	if !ok {
		return
	}
	amount := widget.NewEntry()
	amount.SetText(fmt.Sprintf("%d,%02d", n.Due/100, n.Due%100))
	var methods []string
	for _, m := range billing.Methods {
		methods = append(methods, u.methodText(m))
	}
	method := u.newSelect(methods, nil)
	method.SetSelectedIndex(2)
	date := widget.NewEntry()
	date.SetText(time.Now().Format("02/01/2006"))
	dialog.ShowForm(fmt.Sprintf(u.t("Encaisser la note %s", "Payment for note %s"), n.Number), u.t("Enregistrer", "Save"), u.t("Annuler", "Cancel"),
		[]*widget.FormItem{
			widget.NewFormItem(u.t("Montant (€)", "Amount (€)"), amount),
			widget.NewFormItem(u.t("Mode", "Method"), method),
			widget.NewFormItem(u.t("Date", "Date"), date),
		}, func(ok bool) {
			if !ok {
				return
			}
			if err := v.pay(n.Number, amount.Text, billing.Methods[method.SelectedIndex()], date.Text); err != nil {
				dialog.ShowError(err, u.win)
			}
		}, u.win)
}

// cancel makes the credit note of the selected note.
func (v *invoicesView) cancel(number, reason string) (billing.Note, error) {
	c, err := v.u.p.Cancel(context.Background(), number, reason, "")
	if err != nil {
		return c, errors.New(v.u.errText(err))
	}
	v.refresh()
	return c, nil
}

func (v *invoicesView) cancelDialog() {
	u := v.u
	n, ok := v.current()
	if !ok {
		return
	}
	reason := widget.NewEntry()
	reason.SetPlaceHolder(u.t("Motif (obligatoire)", "Reason (required)"))
	dialog.ShowForm(fmt.Sprintf(u.t("Annuler la note %s ?", "Cancel note %s?"), n.Number), u.t("Émettre l'avoir", "Issue the credit note"), u.t("Ne rien faire", "Keep it"),
		[]*widget.FormItem{
			widget.NewFormItem("", widget.NewLabel(u.t("Une note émise ne se modifie pas : un avoir de même montant l'annule.\nCette opération est définitive.",
				"An issued note is never edited: a credit note of the same amount cancels it.\nThis cannot be undone."))),
			widget.NewFormItem(u.t("Motif", "Reason"), reason),
		}, func(ok bool) {
			if !ok {
				return
			}
			c, err := v.cancel(n.Number, reason.Text)
			if err != nil {
				dialog.ShowError(err, u.win)
				return
			}
			dialog.ShowInformation(u.t("Avoir émis", "Credit note issued"), fmt.Sprintf(u.t("Avoir n° %s.", "Credit note %s."), c.Number), u.win)
		}, u.win)
}

// writeDoc writes the selected note's PDF of the given kind to path.
func (v *invoicesView) writeDoc(kind, number, path string) error {
	ctx := context.Background()
	var err error
	switch kind {
	case "reminder":
		err = v.u.p.ReminderPDF(ctx, number, path)
	default:
		err = v.u.p.NotePDF(ctx, number, path, kind == "receipt")
	}
	if err != nil {
		return errors.New(v.u.errText(err))
	}
	return nil
}

func (v *invoicesView) savePDF(kind string) {
	u := v.u
	n, ok := v.current()
	if !ok {
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		w.Close()
		if err := v.writeDoc(kind, n.Number, path); err != nil {
			dialog.ShowError(err, u.win)
			return
		}
		dialog.ShowInformation("PDF", fmt.Sprintf(u.t("Enregistré : %s", "Saved: %s"), path), u.win)
	}, u.win)
	d.SetFileName(map[string]string{"note": "note-", "receipt": "recu-", "reminder": "rappel-"}[kind] + n.Number + ".pdf")
	d.Show()
}
