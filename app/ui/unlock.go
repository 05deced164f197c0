package ui

import (
	"errors"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

type unlockScreen struct {
	content  fyne.CanvasObject
	pass     *widget.Entry
	button   *widget.Button
	recovery *widget.Button
	status   *widget.Label
	progress *widget.ProgressBarInfinite
	keyFile  *widget.Entry // the key file's path, when the vault asks for one
}

func newUnlockScreen(u *UI) *unlockScreen {
	s := &unlockScreen{}
	title := widget.NewLabelWithStyle("Cabinet", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	where := widget.NewLabelWithStyle(u.p.Dir(), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	where.Truncation = fyne.TextTruncateEllipsis

	s.pass = widget.NewPasswordEntry()
	s.pass.SetPlaceHolder(u.t("Phrase de passe", "Passphrase"))
	s.status = widget.NewLabel("")
	s.status.Importance = widget.DangerImportance
	s.status.Wrapping = fyne.TextWrapWord
	s.status.Alignment = fyne.TextAlignCenter
	s.progress = widget.NewProgressBarInfinite()
	s.progress.Hide()

	submit := func() {
		if s.pass.Text == "" {
			s.status.SetText(u.t("Saisissez votre phrase de passe.", "Type your passphrase."))
			return
		}
		pass := []byte(s.pass.Text)
		var key []byte
		if s.keyFile != nil {
			path := strings.TrimSpace(s.keyFile.Text)
			if path == "" {
				s.status.SetText(u.t("Ce coffre demande aussi son fichier clé : choisissez-le (clé USB).", "This vault also needs its key file: choose it (USB stick)."))
				return
			}
			k, err := os.ReadFile(path)
			if err != nil {
				s.status.SetText(u.t("Fichier clé illisible : vérifiez que le support est branché.", "Cannot read the key file: check that the media is plugged in."))
				return
			}
			key = k
		}
		s.busy(true)
		u.async(func() error {
			defer clear(pass)
			defer clear(key)
			return u.p.UnlockWith(pass, key)
		}, func(err error) {
			s.busy(false)
			if err != nil {
				s.pass.SetText("")
				s.status.SetText(u.errText(err))
				u.win.Canvas().Focus(s.pass)
				return
			}
			u.showMain()
		})
	}
	s.pass.OnSubmitted = func(string) { submit() }
	s.button = widget.NewButtonWithIcon(u.t("Déverrouiller", "Unlock"), theme.LoginIcon(), submit)
	s.button.Importance = widget.HighImportance
	s.recovery = widget.NewButton(u.t("J'ai perdu ma phrase de passe…", "I lost my passphrase…"), func() { u.recoveryDialog(s) })
	s.recovery.Importance = widget.LowImportance

	items := []fyne.CanvasObject{title, where, s.pass}
	if u.p.NeedsKeyFile() {
		s.keyFile = widget.NewEntry()
		s.keyFile.SetPlaceHolder(u.t("Fichier clé (sur la clé USB)", "Key file (on the USB stick)"))
		browse := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
			dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
				if err == nil && r != nil {
					s.keyFile.SetText(r.URI().Path())
					r.Close()
				}
			}, u.win)
		})
		items = append(items, container.NewBorder(nil, nil, nil, browse, s.keyFile))
	}
	items = append(items, s.button, s.progress, s.status)
	if u.opts.DemoHint {
		hint := widget.NewLabel(u.t("Coffre de démonstration : la phrase de passe est « demo ».",
			"Demo vault: the passphrase is \"demo\"."))
		hint.Alignment = fyne.TextAlignCenter
		hint.Importance = widget.WarningImportance
		items = append(items, hint)
	}
	items = append(items, s.recovery)
	box := container.NewVBox(items...)
	s.content = container.NewCenter(container.NewGridWrap(fyne.NewSize(420, box.MinSize().Height), box))
	return s
}

func (s *unlockScreen) busy(on bool) {
	if on {
		s.status.SetText("")
		s.button.Disable()
		s.pass.Disable()
		s.progress.Show()
		s.progress.Start()
		return
	}
	s.progress.Stop()
	s.progress.Hide()
	s.button.Enable()
	s.pass.Enable()
}

// recoveryDialog opens the vault with the recovery key, then makes the
// practitioner choose a new passphrase before anything else.
func (u *UI) recoveryDialog(s *unlockScreen) {
	key := widget.NewEntry()
	key.SetPlaceHolder("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
	dialog.ShowForm(u.t("Clé de secours", "Recovery key"), u.t("Ouvrir", "Open"), u.t("Annuler", "Cancel"),
		[]*widget.FormItem{widget.NewFormItem(u.t("Clé de secours", "Recovery key"), key)},
		func(ok bool) {
			if !ok {
				return
			}
			k := key.Text
			s.busy(true)
			u.async(func() error { return u.p.UnlockWithRecovery(k) }, func(err error) {
				s.busy(false)
				if err != nil {
					s.status.SetText(u.errText(err))
					return
				}
				u.showMain()
				u.newPassphraseDialog()
			})
		}, u.win)
}

// newPassphraseDialog asks for a new passphrase after a recovery.
func (u *UI) newPassphraseDialog() {
	p1, p2 := widget.NewPasswordEntry(), widget.NewPasswordEntry()
	d := dialog.NewForm(u.t("Nouvelle phrase de passe", "New passphrase"), u.t("Enregistrer", "Save"), u.t("Plus tard", "Later"),
		[]*widget.FormItem{
			widget.NewFormItem(u.t("Nouvelle phrase de passe", "New passphrase"), p1),
			widget.NewFormItem(u.t("Confirmation", "Confirm"), p2),
		}, func(ok bool) {
			if !ok {
				return
			}
			if p1.Text != p2.Text {
				dialog.ShowError(errors.New(u.t("Les deux saisies diffèrent.", "The two entries differ.")), u.win)
				return
			}
			pass := []byte(p1.Text)
			defer clear(pass)
			if err := u.p.SetPassphrase(pass); err != nil {
				dialog.ShowError(errors.New(u.errText(err)), u.win)
				return
			}
			dialog.ShowInformation("Cabinet", u.t("Phrase de passe changée.", "Passphrase changed."), u.win)
		}, u.win)
	d.Resize(fyne.NewSize(480, 220))
	d.Show()
}
