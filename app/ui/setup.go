package ui

import (
	"context"
	"errors"
	"math"
	"os"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/app/privacy"
	"github.com/cabinet-sante/cabinet/sync/syncer"
)

// Setup is the first-run wizard: language and passphrase, the recovery
// key shown once (with a PDF to print), then the practitioner's profile.
// It hands the unlocked practice to done.
type Setup struct {
	u    *UI
	win  fyne.Window
	dir  string
	done func(*practice.Practice)

	lang          *widget.Select
	pass, confirm *widget.Entry
	strength      *widget.ProgressBar
	strengthText  *widget.Label
	create        *widget.Button
	status        *widget.Label

	key   *widget.Entry // the recovery key, shown once
	noted *widget.Check
	cont  *widget.Button

	profile  map[string]*widget.Entry
	warnings *widget.Label
	finish   *widget.Button

	joinBtn *widget.Button
	join    struct {
		endpoint, bucket, access, secret, caFile, recovery *widget.Entry
		button                                             *widget.Button
	}

	async   func(work func() error, done func(error))
	created *practice.Practice
	rk      string
}

// NewSetup opens the first-run window for a vault in dir.
func NewSetup(a fyne.App, dir string, o Options, done func(*practice.Practice)) *Setup {
	u := &UI{opts: o}
	if u.opts.Lang == "" {
		u.opts.Lang = msg.FR
	}
	a.SetIcon(Icon)
	s := &Setup{u: u, win: a.NewWindow("Cabinet"), dir: dir, done: done}
	u.win = s.win
	s.async = func(work func() error, done func(error)) {
		go func() {
			err := work()
			fyne.Do(func() { done(err) })
		}()
	}
	s.stepPassphrase()
	s.win.Resize(fyne.NewSize(760, 620))
	s.win.Show()
	return s
}

func (s *Setup) show(title string, body fyne.CanvasObject) {
	t := widget.NewLabelWithStyle(title, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	t.SizeName = theme.SizeNameHeadingText
	box := container.NewVBox(t, body)
	s.win.SetContent(container.NewCenter(container.NewGridWrap(fyne.NewSize(600, box.MinSize().Height+20), box)))
}

// Strength estimates a passphrase's entropy in bits, from its length and
// the kinds of characters it uses (a rough guide for the meter; the rule
// is the minimum length).
func Strength(p string) float64 {
	var lower, upper, digit, other bool
	n := 0
	for _, r := range p {
		n++
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	size := 0
	for _, c := range []struct {
		on bool
		n  int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {other, 33}} {
		if c.on {
			size += c.n
		}
	}
	if size == 0 {
		return 0
	}
	return float64(n) * math.Log2(float64(size))
}

func (s *Setup) stepPassphrase() {
	u := s.u
	s.lang = u.newSelect([]string{"Français", "English"}, nil)
	s.lang.SetSelectedIndex(map[msg.Lang]int{msg.FR: 0, msg.EN: 1}[u.opts.Lang])
	s.lang.OnChanged = func(string) {
		u.opts.Lang = []msg.Lang{msg.FR, msg.EN}[s.lang.SelectedIndex()]
		s.stepPassphrase()
	}
	intro := widget.NewLabel(u.t(
		"Vos dossiers seront chiffrés sur ce poste, dans :\n"+s.dir+"\nChoisissez une phrase de passe d'au moins 12 caractères, que vous seul connaissez : sans elle (ou la clé de secours), personne ne peut lire les données, pas même le support.",
		"Your records will be encrypted on this computer, in:\n"+s.dir+"\nChoose a passphrase of at least 12 characters that only you know: without it (or the recovery key) nobody can read the data, not even support."))
	intro.Wrapping = fyne.TextWrapWord
	s.pass = widget.NewPasswordEntry()
	s.pass.SetPlaceHolder(u.t("Phrase de passe (12 caractères au moins)", "Passphrase (12 characters at least)"))
	s.confirm = widget.NewPasswordEntry()
	s.confirm.SetPlaceHolder(u.t("Confirmation", "Confirm"))
	s.strength = widget.NewProgressBar()
	s.strength.TextFormatter = func() string { return "" }
	s.strengthText = widget.NewLabel(u.t("Solidité : —", "Strength: —"))
	s.pass.OnChanged = func(p string) {
		bits := Strength(p)
		s.strength.SetValue(math.Min(1, bits/90))
		switch {
		case len([]rune(p)) < practice.MinPassphraseLength:
			s.strengthText.SetText(u.t("Solidité : trop courte", "Strength: too short"))
		case bits < 60:
			s.strengthText.SetText(u.t("Solidité : moyenne — ajoutez un mot", "Strength: fair — add a word"))
		default:
			s.strengthText.SetText(u.t("Solidité : bonne", "Strength: good"))
		}
	}
	s.status = widget.NewLabel("")
	s.status.Importance = widget.DangerImportance
	s.status.Wrapping = fyne.TextWrapWord
	progress := widget.NewProgressBarInfinite()
	progress.Stop()
	progress.Hide()
	s.create = widget.NewButtonWithIcon(u.t("Créer le coffre", "Create the vault"), theme.ConfirmIcon(), func() {
		s.makeVault(s.create, progress, nil, func(pass []byte) (*practice.Practice, error) {
			p, key, err := practice.Create(s.dir, pass, u.opts.Practice)
			s.rk = key
			return p, err
		}, s.stepKey)
	})
	s.create.Importance = widget.HighImportance
	s.confirm.OnSubmitted = func(string) { s.create.OnTapped() }
	s.joinBtn = widget.NewButtonWithIcon(u.t("Ce cabinet synchronise déjà un autre poste : rejoindre…", "This practice already syncs another computer: join…"), theme.DownloadIcon(), s.stepJoin)
	s.joinBtn.Importance = widget.LowImportance
	form := widget.NewForm(widget.NewFormItem(u.t("Langue", "Language"), s.lang))
	s.show(u.t("Bienvenue dans Cabinet", "Welcome to Cabinet"),
		container.NewVBox(form, intro, s.pass, s.confirm, s.strength, s.strengthText, s.create, progress, s.status, s.joinBtn))
	s.win.Canvas().Focus(s.pass)
}

func (s *Setup) stepKey() {
	u := s.u
	s.key = widget.NewEntry()
	s.key.SetText(s.rk)
	s.key.TextStyle = fyne.TextStyle{Monospace: true}
	s.noted = widget.NewCheck(u.t("J'ai noté ma clé de secours en lieu sûr", "I wrote my recovery key down somewhere safe"), nil)
	s.cont = widget.NewButton(u.t("Continuer", "Continue"), s.stepProfile)
	s.cont.Importance = widget.HighImportance
	s.cont.Disable()
	s.noted.OnChanged = func(b bool) {
		if b {
			s.cont.Enable()
		} else {
			s.cont.Disable()
		}
	}
	pdf := widget.NewButtonWithIcon(u.t("Enregistrer en PDF pour l'imprimer…", "Save as PDF to print…"), theme.DocumentPrintIcon(), func() {
		d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
			if err != nil || w == nil {
				return
			}
			path := w.URI().Path()
			w.Close()
			if err := s.saveKeyPDF(path); err != nil {
				dialog.ShowError(err, s.win)
			}
		}, s.win)
		d.SetFileName("cle-de-secours-cabinet.pdf")
		d.Show()
	})
	info := widget.NewLabel(u.t("Elle ouvre le coffre si vous oubliez la phrase de passe. Elle ne sera plus jamais affichée : imprimez-la ou recopiez-la, et gardez-la hors de l'ordinateur (supprimez le PDF après l'avoir imprimé).",
		"It opens the vault if you forget the passphrase. It will never be shown again: print it or copy it, and keep it away from the computer (delete the PDF once printed)."))
	info.Wrapping = fyne.TextWrapWord
	s.show(u.t("Votre clé de secours", "Your recovery key"), container.NewVBox(info, s.key, pdf, s.noted, s.cont))
}

// saveKeyPDF writes the recovery key on a page to print.
func (s *Setup) saveKeyPDF(path string) error {
	u := s.u
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	md := u.t("# Clé de secours Cabinet\n\nCoffre : "+s.dir+"\n\n## "+s.rk+"\n\nCette clé ouvre le coffre sans la phrase de passe. Gardez cette feuille en lieu sûr, loin de l'ordinateur, et supprimez le fichier PDF après impression.\n",
		"# Cabinet recovery key\n\nVault: "+s.dir+"\n\n## "+s.rk+"\n\nThis key opens the vault without the passphrase. Keep this sheet somewhere safe, away from the computer, and delete the PDF file once printed.\n")
	if err := privacy.WriteMarkdownPDF(f, u.t("Clé de secours", "Recovery key"), md); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (s *Setup) stepProfile() {
	u := s.u
	s.profile = map[string]*widget.Entry{}
	form := widget.NewForm()
	for _, f := range []struct{ key, fr, en string }{
		{"name", "Nom et prénom *", "Name *"}, {"profession", "Profession", "Profession"}, {"rpps", "RPPS (11 chiffres)", "RPPS (11 digits)"},
		{"adeli", "ou ADELI (9 chiffres)", "or ADELI (9 digits)"}, {"address", "Adresse du cabinet", "Practice address"}, {"siret", "SIRET (facultatif)", "SIRET (optional)"},
	} {
		e := widget.NewEntry()
		if f.key == "address" {
			e = widget.NewMultiLineEntry()
			e.SetMinRowsVisible(2)
		}
		s.profile[f.key] = e
		form.Append(u.t(f.fr, f.en), e)
	}
	s.warnings = widget.NewLabel("")
	s.warnings.Wrapping = fyne.TextWrapWord
	s.warnings.Importance = widget.WarningImportance
	check := func(string) {
		var w []string
		if fr, en := billing.CheckRPPS(strings.TrimSpace(s.profile["rpps"].Text)); fr != "" {
			w = append(w, u.t(fr, en))
		}
		if fr, en := billing.CheckADELI(strings.TrimSpace(s.profile["adeli"].Text)); fr != "" {
			w = append(w, u.t(fr, en))
		}
		s.warnings.SetText(strings.Join(w, "\n"))
	}
	s.profile["rpps"].OnChanged = check
	s.profile["adeli"].OnChanged = check
	s.finish = widget.NewButtonWithIcon(u.t("Terminer", "Finish"), theme.ConfirmIcon(), func() {
		if err := s.saveProfile(); err != nil {
			s.warnings.Importance = widget.DangerImportance
			s.warnings.SetText(err.Error())
			return
		}
		s.end()
	})
	s.finish.Importance = widget.HighImportance
	later := widget.NewButton(u.t("Plus tard", "Later"), s.end)
	intro := widget.NewLabel(u.t("Ces informations figurent sur vos notes d'honoraires. Vous pourrez les changer dans les Réglages.",
		"These details appear on your invoices. You can change them in Settings."))
	intro.Wrapping = fyne.TextWrapWord
	s.show(u.t("Votre cabinet", "Your practice"), container.NewVBox(intro, form, s.warnings, container.NewHBox(later, s.finish)))
}

func (s *Setup) saveProfile() error {
	u := s.u
	e := s.profile
	pr := billing.Practitioner{Name: strings.TrimSpace(e["name"].Text), Profession: strings.TrimSpace(e["profession"].Text),
		RPPS: strings.TrimSpace(e["rpps"].Text), ADELI: strings.TrimSpace(e["adeli"].Text), Address: strings.TrimSpace(e["address"].Text),
		SIRET: strings.TrimSpace(e["siret"].Text)}
	if err := s.created.SetPractitioner(context.Background(), pr); err != nil {
		return errors.New(u.errText(err))
	}
	return nil
}

func (s *Setup) end() {
	s.win.Close()
	s.done(s.created)
}

// stepJoin makes this computer a new device of a practice that already
// syncs: the host's address and keys, the practice's recovery key and a
// passphrase for this computer. The records come from the host.
func (s *Setup) stepJoin() {
	u := s.u
	j := &s.join
	j.endpoint, j.bucket, j.access, j.secret = widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewPasswordEntry()
	j.caFile, j.recovery = widget.NewEntry(), widget.NewEntry()
	j.endpoint.SetPlaceHolder(u.t("https://s3.hebergeur-hds.fr", "https://s3.hds-host.example"))
	j.caFile.SetPlaceHolder(u.t("facultatif : certificat d'autorité (PEM)", "optional: CA certificate (PEM)"))
	j.recovery.SetPlaceHolder("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
	s.pass, s.confirm = widget.NewPasswordEntry(), widget.NewPasswordEntry()
	s.pass.SetPlaceHolder(u.t("Phrase de passe de ce poste (12 caractères au moins)", "This computer's passphrase (12 characters at least)"))
	s.confirm.SetPlaceHolder(u.t("Confirmation", "Confirm"))
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Importance = widget.DangerImportance
	progress := widget.NewProgressBarInfinite()
	progress.Stop()
	progress.Hide()
	intro := widget.NewLabel(u.t("Saisissez l'adresse et les clés de l'hébergeur, et la clé de secours du cabinet (celle du premier poste). Ce poste aura sa propre série de factures.",
		"Type the host's address and keys, and the practice's recovery key (the first computer's). This computer gets its own invoice series."))
	intro.Wrapping = fyne.TextWrapWord
	var a practice.SyncAccount
	account := func() error {
		a = practice.SyncAccount{Endpoint: strings.TrimSpace(j.endpoint.Text), Bucket: strings.TrimSpace(j.bucket.Text),
			AccessKey: strings.TrimSpace(j.access.Text), SecretKey: strings.TrimSpace(j.secret.Text)}
		if f := strings.TrimSpace(j.caFile.Text); f != "" {
			pem, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			a.CA = string(pem)
		}
		return a.Validate()
	}
	j.button = widget.NewButtonWithIcon(u.t("Rejoindre le cabinet", "Join the practice"), theme.ConfirmIcon(), func() {
		rk := j.recovery.Text
		s.makeVault(j.button, progress, account, func(pass []byte) (*practice.Practice, error) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			p, _, err := syncer.Join(ctx, s.dir, pass, rk, a, u.opts.Practice)
			return p, err
		}, s.end)
	})
	j.button.Importance = widget.HighImportance
	back := widget.NewButtonWithIcon(u.t("Retour", "Back"), theme.NavigateBackIcon(), s.stepPassphrase)
	form := widget.NewForm(
		widget.NewFormItem(u.t("Serveur S3", "S3 server"), j.endpoint), widget.NewFormItem(u.t("Compartiment", "Bucket"), j.bucket),
		widget.NewFormItem(u.t("Clé d'accès", "Access key"), j.access), widget.NewFormItem(u.t("Clé secrète", "Secret key"), j.secret),
		widget.NewFormItem(u.t("Autorité", "CA"), j.caFile), widget.NewFormItem(u.t("Clé de secours", "Recovery key"), j.recovery))
	s.show(u.t("Rejoindre un cabinet", "Join a practice"),
		container.NewVBox(intro, form, s.pass, s.confirm, container.NewHBox(back, j.button), progress, s.status))
}

// makeVault checks the passphrase typed twice (and, with ready, the rest
// of the form), then makes the vault off the UI goroutine with make
// (create or join) while a progress bar runs, sets the language and goes
// on to next. A failure is shown and the button works again.
func (s *Setup) makeVault(button *widget.Button, progress *widget.ProgressBarInfinite, ready func() error,
	make func(pass []byte) (*practice.Practice, error), next func()) {
	u := s.u
	if s.pass.Text != s.confirm.Text {
		s.status.SetText(u.t("Les deux saisies diffèrent.", "The two entries differ."))
		return
	}
	pass := []byte(s.pass.Text)
	if err := practice.CheckPassphraseStrength(pass); err != nil {
		s.status.SetText(u.errText(err))
		return
	}
	if ready != nil {
		if err := ready(); err != nil {
			s.status.SetText(u.errText(err))
			return
		}
	}
	s.status.SetText("")
	button.Disable()
	progress.Show()
	progress.Start()
	s.async(func() error {
		defer clear(pass)
		p, err := make(pass)
		s.created = p
		if err == nil {
			err = p.SetConfig(context.Background(), practice.CfgLang, string(u.opts.Lang), "practitioner")
		}
		return err
	}, func(err error) {
		progress.Stop()
		progress.Hide()
		if err != nil {
			button.Enable()
			s.status.SetText(u.errText(err))
			return
		}
		next()
	})
}
