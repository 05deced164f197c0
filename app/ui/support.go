package ui

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/app/privacy"
	"github.com/cabinet-sante/cabinet/app/support"
)

// supportView grants remote-support sessions, mirrors them live and lists
// their logs.
type supportView struct {
	u       *UI
	content fyne.CanvasObject

	minutes    *widget.Select
	listen     *widget.Entry
	relay      *widget.Entry // USER@HOST:PORT: dial out to a relay instead of listening
	relayFP    *widget.Entry
	expect     *widget.Entry
	allow      *widget.Check
	grantBtn   *widget.Button
	endBtn     *widget.Button
	morePw     *widget.Button
	info       *widget.Label
	transcript *widget.Entry // events of the grant itself (failed logins, end)
	lines      []string
	people     []string                 // support people connected, in order
	columns    map[string]*widget.Entry // one live transcript per person, side by side
	colLines   map[string][]string
	mirror     *fyne.Container

	// deliver runs event handlers on the UI goroutine (fyne.Do); tests
	// run them on theirs.
	deliver func(func())

	logs     []practice.SupportSession
	logList  *widget.List
	selected int
	annotate *widget.Button
	folder   *widget.Entry
	result   *widget.Label
}

func newSupportView(u *UI) *supportView {
	v := &supportView{u: u, deliver: fyne.Do, selected: -1, columns: map[string]*widget.Entry{}, colLines: map[string][]string{}}
	v.minutes = u.newSelect([]string{"15", "30", "60", "120", "240"}, nil)
	v.minutes.SetSelected("30")
	v.listen = widget.NewEntry()
	v.listen.SetText(":2222")
	v.relay = widget.NewEntry()
	v.relay.SetPlaceHolder(u.t("vide : écoute directe ; sinon utilisateur@relais:port", "empty: listen directly; else user@relay:port"))
	v.relayFP = widget.NewEntry()
	v.relayFP.SetPlaceHolder("SHA256:…")
	if pin, err := u.p.RelayPinned(context.Background()); err == nil {
		v.relay.SetText(pin.Address)
		v.relayFP.SetText(pin.Fingerprint)
	}
	v.expect = widget.NewEntry()
	v.expect.SetPlaceHolder(u.t("Nom de la personne attendue (facultatif)", "Expected support person (optional)"))
	v.allow = widget.NewCheck(u.t("Autoriser la lecture des dossiers (journalisée)", "Allow reading records (logged)"), nil)
	v.info = widget.NewLabel(u.t("L'accès à distance est fermé. Rien n'écoute sur le réseau tant que vous n'accordez pas de session.",
		"Remote access is closed. Nothing listens on the network until you grant a session."))
	v.info.Wrapping = fyne.TextWrapWord
	v.info.TextStyle = fyne.TextStyle{Monospace: false}
	v.grantBtn = widget.NewButtonWithIcon(u.t("Accorder", "Grant"), theme.ConfirmIcon(), v.grant)
	v.grantBtn.Importance = widget.HighImportance
	v.endBtn = widget.NewButtonWithIcon(u.t("Mettre fin", "End it"), theme.CancelIcon(), func() { v.end("ended by the practitioner") })
	v.endBtn.Importance = widget.DangerImportance
	v.endBtn.Disable()
	v.morePw = widget.NewButtonWithIcon(u.t("2e intervenant", "2nd person"), theme.AccountIcon(), func() {
		if u.grant != nil {
			v.info.SetText(v.info.Text + "\n" + u.t("Mot de passe supplémentaire : ", "Extra password: ") + u.grant.NewPassword())
		}
	})
	v.morePw.Disable()
	v.transcript = widget.NewMultiLineEntry()
	v.transcript.Disable()
	v.transcript.SetMinRowsVisible(10)
	v.transcript.TextStyle = fyne.TextStyle{Monospace: true}
	v.mirror = container.NewGridWithColumns(1, v.transcript)

	v.annotate = widget.NewButtonWithIcon(u.t("Compléter…", "Complete…"), theme.DocumentCreateIcon(), v.annotateDialog)
	v.annotate.Disable()
	v.logList = widget.NewList(func() int { return len(v.logs) },
		func() fyne.CanvasObject {
			return widget.NewLabel(u.t("00/00/0000 00:00 · 0m0s · Nom (organisation) · 0 commandes", "00/00/0000 00:00 · 0m0s · Name (organisation) · 0 commands"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			l := v.logs[i]
			o.(*widget.Label).SetText(fmt.Sprintf(u.t("%s · %s · %s · %d commandes · %s", "%s · %s · %s · %d commands · %s"),
				l.Start.In(practice.Paris()).Format("02/01/2006 15:04"), l.Duration, l.Person, len(l.Commands), l.Description))
		})
	v.folder = widget.NewEntry()
	if home, err := os.UserHomeDir(); err == nil {
		v.folder.SetText(filepath.Join(home, "Documents"))
	}
	v.result = widget.NewLabel("")
	v.logList.OnSelected = func(i widget.ListItemID) { v.selected = i; v.annotate.Enable() }
	exportCSV := widget.NewButtonWithIcon(u.t("CSV", "CSV"), theme.DocumentSaveIcon(), func() { v.export("csv") })
	exportPDF := widget.NewButtonWithIcon(u.t("PDF", "PDF"), theme.DocumentSaveIcon(), func() { v.export("pdf") })

	form := widget.NewForm(
		widget.NewFormItem(u.t("Durée (minutes)", "Duration (minutes)"), v.minutes),
		widget.NewFormItem(u.t("Adresse d'écoute", "Listen address"), v.listen),
		widget.NewFormItem(u.t("Relais du support", "Support relay"), v.relay),
		widget.NewFormItem(u.t("Empreinte du relais", "Relay fingerprint"), v.relayFP),
		widget.NewFormItem(u.t("Support attendu", "Expected"), v.expect),
	)
	left := widget.NewCard(u.t("Support à distance", "Remote support"), u.t("Fermé par défaut, ouvert par vous seul, observé et journalisé", "Closed by default, opened by you only, watched and logged"),
		container.NewBorder(container.NewVBox(form, v.allow, container.NewHBox(v.grantBtn, v.endBtn, v.morePw), v.info), nil, nil, nil, v.mirror))
	right := widget.NewCard(u.t("Journal des interventions", "Intervention log"), "",
		container.NewBorder(nil, container.NewVBox(widget.NewForm(widget.NewFormItem(u.t("Dossier", "Folder"), v.folder)), container.NewHBox(v.annotate, exportCSV, exportPDF), v.result), nil, nil, v.logList))
	v.content = container.NewGridWithColumns(2, left, right)
	v.refresh()
	return v
}

func (v *supportView) refresh() {
	ls, err := v.u.p.SupportSessions(context.Background())
	if err == nil {
		v.logs = ls
		v.logList.Refresh()
	}
}

// grant opens a session with the form's settings.
func (v *supportView) grant() {
	u := v.u
	if u.grant != nil {
		return
	}
	minutes, _ := strconv.Atoi(v.minutes.Selected)
	v.lines = nil
	var rel *support.Relay
	if r := strings.TrimSpace(v.relay.Text); r != "" {
		user, addr, err := support.ParseRelay(r)
		if err != nil {
			v.info.SetText(err.Error())
			return
		}
		key, err := u.p.SupportClientKey(context.Background())
		if err != nil {
			v.info.SetText(u.errText(err))
			return
		}
		pin := practice.RelayPin{Address: r, Fingerprint: strings.TrimSpace(v.relayFP.Text)}
		if err := u.p.SetRelayPin(context.Background(), pin); err != nil {
			v.info.SetText(u.errText(err))
			return
		}
		rel = &support.Relay{User: user, Addr: addr, Fingerprint: pin.Fingerprint, Key: key}
	}
	g, pw, err := support.Start(u.p, support.Options{Duration: time.Duration(minutes) * time.Minute, Listen: strings.TrimSpace(v.listen.Text), Relay: rel,
		AllowPatient: v.allow.Checked, Expected: strings.TrimSpace(v.expect.Text), Version: u.opts.Version,
		OnEvent: func(e support.Event) { v.deliver(func() { v.onEvent(e) }) }})
	if err != nil {
		v.info.SetText(u.errText(err))
		return
	}
	u.grant = g
	v.people, v.columns, v.colLines = nil, map[string]*widget.Entry{}, map[string][]string{}
	v.layoutMirror()
	v.info.SetText(fmt.Sprintf(u.t("Session ouverte jusqu'à %s.\nAdresse : %s\nEmpreinte de la clé : %s\nMot de passe (à usage unique) : %s",
		"Session open until %s.\nAddress: %s\nKey fingerprint: %s\nOne-time password: %s"),
		time.Now().Add(time.Duration(minutes)*time.Minute).Format("15:04"), g.Addr(), g.Fingerprint(), pw))
	v.grantBtn.Disable()
	v.endBtn.Enable()
	v.morePw.Enable()
	if u.main != nil {
		u.main.banner.Show()
	}
}

func (v *supportView) onEvent(e support.Event) {
	u := v.u
	who := e.Person
	if who == "" {
		who = "—"
	}
	line := fmt.Sprintf("%s %s %s", e.Time.Format("15:04:05"), who, e.Text)
	if e.Kind == "command" {
		line = fmt.Sprintf("%s %s > %s", e.Time.Format("15:04:05"), who, e.Text)
	}
	if e.Person == "" {
		v.lines = appendCapped(v.lines, line)
		v.transcript.SetText(strings.Join(v.lines, "\n"))
	} else {
		col, ok := v.columns[e.Person]
		if !ok {
			col = widget.NewMultiLineEntry()
			col.TextStyle = fyne.TextStyle{Monospace: true}
			col.Disable()
			v.columns[e.Person] = col
			v.people = append(v.people, e.Person)
			v.layoutMirror()
		}
		v.colLines[e.Person] = appendCapped(v.colLines[e.Person], line)
		col.SetText(strings.Join(v.colLines[e.Person], "\n"))
	}
	if e.Kind == "end" {
		u.grant = nil
		v.grantBtn.Enable()
		v.endBtn.Disable()
		v.morePw.Disable()
		v.info.SetText(u.t("Session terminée. L'accès à distance est fermé.", "Session ended. Remote access is closed."))
		if u.main != nil {
			u.main.banner.Hide()
		}
		v.refresh()
	}
}

func (v *supportView) end(reason string) {
	if g := v.u.grant; g != nil {
		g.End(reason)
	}
}

// export writes the intervention log as CSV or PDF into the folder.
func (v *supportView) export(kind string) {
	u := v.u
	dir := strings.TrimSpace(v.folder.Text)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		v.result.SetText(u.t("Choisissez un dossier existant.", "Choose an existing folder."))
		return
	}
	path := filepath.Join(dir, "interventions-support."+kind)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		v.result.SetText(err.Error())
		return
	}
	defer f.Close()
	if kind == "csv" {
		w := csv.NewWriter(f)
		w.Comma = ';'
		w.Write([]string{"Début", "Fin", "Durée", "Responsable", "Autres intervenants", "Système", "Outil", "Commandes", "Description", "Critique", "Personnels consultés"})
		for _, l := range v.logs {
			var cmds []string
			for _, c := range l.Commands {
				cmds = append(cmds, c.Command)
			}
			w.Write([]string{l.Start.Format(time.RFC3339), l.End.Format(time.RFC3339), l.Duration, l.Person, strings.Join(l.Others, ", "),
				l.Host + " " + l.OS + " Cabinet " + l.Version + " coffre " + l.VaultID, l.Tool, strings.Join(cmds, " | "), l.Description,
				strconv.FormatBool(l.Critical), strings.Join(l.Consulted, ", ")})
		}
		w.Flush()
		err = w.Error()
	} else {
		var b strings.Builder
		b.WriteString("# Journal des interventions de support\n\n")
		for _, l := range v.logs {
			fmt.Fprintf(&b, "## %s — %s\n\n", l.Start.In(practice.Paris()).Format("02/01/2006 15:04"), l.Person)
			fmt.Fprintf(&b, "- Fin : %s (%s), durée %s\n", l.End.In(practice.Paris()).Format("02/01/2006 15:04"), l.EndReason, l.Duration)
			fmt.Fprintf(&b, "- Système : %s, %s, Cabinet %s, coffre %s\n- Outil : %s\n", l.Host, l.OS, l.Version, l.VaultID, l.Tool)
			if len(l.Others) > 0 {
				fmt.Fprintf(&b, "- Autres intervenants : %s\n", strings.Join(l.Others, ", "))
			}
			fmt.Fprintf(&b, "- Tâches : %s\n- Commandes : %d\n", l.Description, len(l.Commands))
			if l.Critical {
				fmt.Fprintf(&b, "- Intervention critique ; personnels consultés : %s\n", strings.Join(l.Consulted, ", "))
			}
			b.WriteString("\n")
		}
		err = privacy.WriteMarkdownPDF(f, "Journal des interventions de support", b.String())
	}
	if err != nil {
		v.result.SetText(err.Error())
		return
	}
	u.p.Audit("export.support-log", "", kind)
	v.result.SetText(u.t("Enregistré : ", "Saved: ") + path)
}

// annotateDialog lets the practitioner complete a log entry: the tasks
// done, the critical flag and the staff consulted.
func (v *supportView) annotateDialog() {
	u := v.u
	if v.selected < 0 || v.selected >= len(v.logs) {
		return
	}
	l := v.logs[v.selected]
	desc := widget.NewMultiLineEntry()
	desc.SetText(l.Description)
	critical := widget.NewCheck(u.t("Intervention critique", "Critical intervention"), nil)
	critical.SetChecked(l.Critical)
	consulted := widget.NewEntry()
	consulted.SetText(strings.Join(l.Consulted, ", "))
	consulted.SetPlaceHolder(u.t("personnels qualifiés consultés, séparés par des virgules", "qualified staff consulted, comma separated"))
	dialog.ShowForm(u.t("Compléter l'intervention", "Complete the entry"), u.t("Enregistrer", "Save"), u.t("Annuler", "Cancel"),
		[]*widget.FormItem{
			widget.NewFormItem(u.t("Tâches effectuées", "Tasks done"), desc),
			widget.NewFormItem("", critical),
			widget.NewFormItem(u.t("Personnels consultés", "Staff consulted"), consulted),
		}, func(ok bool) {
			if !ok {
				return
			}
			var names []string
			for _, n := range strings.Split(consulted.Text, ",") {
				if n = strings.TrimSpace(n); n != "" {
					names = append(names, n)
				}
			}
			if err := support.Annotate(u.p, l.ID, desc.Text, critical.Checked, names); err != nil {
				v.result.SetText(u.errText(err))
			}
			v.refresh()
		}, u.win)
}

func appendCapped(lines []string, l string) []string {
	lines = append(lines, l)
	if len(lines) > 500 {
		lines = lines[len(lines)-500:]
	}
	return lines
}

// layoutMirror shows one transcript per connected person side by side,
// with the grant's own events underneath.
func (v *supportView) layoutMirror() {
	var cols []fyne.CanvasObject
	for _, p := range v.people {
		cols = append(cols, widget.NewCard("", p, v.columns[p]))
	}
	objs := []fyne.CanvasObject{v.transcript}
	if len(cols) > 0 {
		objs = []fyne.CanvasObject{container.NewVSplit(container.NewGridWithColumns(len(cols), cols...), v.transcript)}
	}
	v.mirror.Objects = objs
	v.mirror.Refresh()
}
