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

	"github.com/cabinet-sante/cabinet/store/token"
)

type unlockScreen struct {
	content  fyne.CanvasObject
	pass     *widget.Entry
	button   *widget.Button
	recovery *widget.Button
	status   *widget.Label
	progress *widget.ProgressBarInfinite
	keyFile  *widget.Entry // the key file's path, when the vault asks for one
	module   *widget.Entry // the PKCS#11 module, when the second factor is a card
	pin      *widget.Entry
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
		if s.module != nil {
			pin := []byte(s.pin.Text)
			sig, err := token.Sign(strings.TrimSpace(s.module.Text), pin, u.p.TokenChallenge())
			clear(pin)
			s.pin.SetText("")
			if err != nil {
				s.status.SetText(tokenText(u, err))
				return
			}
			key = sig
		} else if s.keyFile != nil {
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
	if u.p.TokenChallenge() != nil {
		s.module = widget.NewEntry()
		s.module.SetPlaceHolder(u.t("Module PKCS#11 de la carte (chemin de la bibliothèque)", "The card's PKCS#11 module (library path)"))
		s.module.SetText(u.opts.PKCS11Module)
		s.pin = widget.NewPasswordEntry()
		s.pin.SetPlaceHolder(u.t("Code PIN de la carte", "Card PIN"))
		items = append(items, s.module, s.pin)
	} else if u.p.NeedsKeyFile() {
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

// tokenText words a card error for the practitioner.
func tokenText(u *UI, err error) string {
	switch {
	case errors.Is(err, token.ErrPIN):
		return u.t("Code PIN refusé par la carte.", "The card refused the PIN.")
	case errors.Is(err, token.ErrNoToken):
		return u.t("Aucune carte dans le lecteur.", "No card in the reader.")
	case errors.Is(err, token.ErrModule):
		return u.t("Module PKCS#11 introuvable ou illisible : vérifiez son chemin.", "PKCS#11 module missing or unreadable: check its path.")
	case errors.Is(err, token.ErrNoKey):
		return u.t("La carte ne contient pas de clé de signature.", "The card holds no signing key.")
	}
	return u.t("La carte n'a pas pu signer.", "The card could not sign.")
}
