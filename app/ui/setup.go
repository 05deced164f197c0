package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/practice"
)

// Setup is the first-run window: it creates the vault, shows the recovery
// key once, then hands the unlocked practice to done.
type Setup struct {
	win           fyne.Window
	pass, confirm *widget.Entry
	create        *widget.Button
	status        *widget.Label
	key           *widget.Entry // the recovery key, shown once
	noted         *widget.Check
	cont          *widget.Button
	async         func(work func() error, done func(error))
	created       *practice.Practice
}

// NewSetup opens the first-run window for a vault in dir.
func NewSetup(a fyne.App, dir string, o Options, done func(*practice.Practice)) *Setup {
	u := &UI{opts: o}
	if u.opts.Lang == "" {
		u.opts.Lang = msg.FR
	}
	a.SetIcon(Icon)
	s := &Setup{win: a.NewWindow("Cabinet")}
	s.async = func(work func() error, done func(error)) {
		go func() {
			err := work()
			fyne.Do(func() { done(err) })
		}()
	}
	title := widget.NewLabelWithStyle(u.t("Bienvenue dans Cabinet", "Welcome to Cabinet"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	intro := widget.NewLabel(u.t(
		"Vos dossiers seront chiffrés sur ce poste, dans :\n"+dir+"\nChoisissez une phrase de passe d'au moins 12 caractères, que vous seul connaissez : sans elle (ou la clé de secours), personne ne peut lire les données, pas même le support.",
		"Your records will be encrypted on this computer, in:\n"+dir+"\nChoose a passphrase of at least 12 characters that only you know: without it (or the recovery key) nobody can read the data, not even support."))
	intro.Wrapping = fyne.TextWrapWord
	s.pass = widget.NewPasswordEntry()
	s.pass.SetPlaceHolder(u.t("Phrase de passe", "Passphrase"))
	s.confirm = widget.NewPasswordEntry()
	s.confirm.SetPlaceHolder(u.t("Confirmation", "Confirm"))
	s.status = widget.NewLabel("")
	s.status.Importance = widget.DangerImportance
	s.status.Wrapping = fyne.TextWrapWord
	progress := widget.NewProgressBarInfinite()
	progress.Stop()
	progress.Hide()

	s.key = widget.NewEntry()
	s.key.TextStyle = fyne.TextStyle{Monospace: true}
	s.noted = widget.NewCheck(u.t("J'ai noté ma clé de secours en lieu sûr", "I wrote my recovery key down somewhere safe"), nil)
	s.cont = widget.NewButton(u.t("Continuer", "Continue"), func() {
		s.win.Close()
		done(s.created)
	})
	s.cont.Importance = widget.HighImportance
	s.cont.Disable()
	s.noted.OnChanged = func(b bool) {
		if b {
			s.cont.Enable()
		} else {
			s.cont.Disable()
		}
	}
	keyBox := container.NewVBox(
		widget.NewLabelWithStyle(u.t("Votre clé de secours", "Your recovery key"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel(u.t("Elle ouvre le coffre si vous oubliez la phrase de passe. Elle ne sera plus jamais affichée : recopiez-la sur papier.",
			"It opens the vault if you forget the passphrase. It will never be shown again: copy it on paper.")),
		s.key, s.noted, s.cont)
	keyBox.Hide()

	var form *fyne.Container
	s.create = widget.NewButtonWithIcon(u.t("Créer le coffre", "Create the vault"), theme.ConfirmIcon(), func() {
		if s.pass.Text != s.confirm.Text {
			s.status.SetText(u.t("Les deux saisies diffèrent.", "The two entries differ."))
			return
		}
		pass := []byte(s.pass.Text)
		if err := practice.CheckPassphraseStrength(pass); err != nil {
			s.status.SetText(u.errText(err))
			return
		}
		s.status.SetText("")
		s.create.Disable()
		progress.Show()
		progress.Start()
		var rk string
		s.async(func() error {
			defer clear(pass)
			p, key, err := practice.Create(dir, pass, o.Practice)
			s.created, rk = p, key
			return err
		}, func(err error) {
			progress.Stop()
			progress.Hide()
			if err != nil {
				s.create.Enable()
				s.status.SetText(u.errText(err))
				return
			}
			s.pass.SetText("")
			s.confirm.SetText("")
			form.Hide()
			s.key.SetText(rk)
			keyBox.Show()
		})
	})
	s.create.Importance = widget.HighImportance
	s.confirm.OnSubmitted = func(string) { s.create.OnTapped() }
	form = container.NewVBox(intro, s.pass, s.confirm, s.create, progress, s.status)
	box := container.NewVBox(title, form, keyBox)
	s.win.SetContent(container.NewCenter(container.NewGridWrap(fyne.NewSize(520, 420), box)))
	s.win.Resize(fyne.NewSize(700, 560))
	s.win.Show()
	return s
}
