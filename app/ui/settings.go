package ui

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/billing"
	"github.com/cabinet-sante/cabinet/app/practice"
)

// settingsView edits the practitioner's details and the acts catalogue.
type settingsView struct {
	u       *UI
	content fyne.CanvasObject

	fields  map[string]*widget.Entry
	saveBtn *widget.Button
	status  *widget.Label

	idle, lang, backupHour *widget.Select
	compactBtn, keyFileBtn *widget.Button
	backupKeep, backupDir  *widget.Entry
	prefsBtn               *widget.Button
	prefsStatus            *widget.Label

	acts                     []billing.Act
	actList                  *widget.List
	code, label, price, ngap *widget.Entry
	addAct                   *widget.Button
	actStatus                *widget.Label
}

func newSettingsView(u *UI) *settingsView {
	v := &settingsView{u: u, fields: map[string]*widget.Entry{}}
	names := []string{"name", "profession", "address", "rpps", "adeli", "siret", "place"}
	labels := map[string]string{"name": u.t("Nom *", "Name *"), "profession": u.t("Profession", "Profession"), "address": u.t("Adresse", "Address"),
		"rpps": "RPPS", "adeli": "ADELI", "siret": "SIRET", "place": u.t("Lieu des soins", "Place of care")}
	form := widget.NewForm()
	for _, n := range names {
		e := widget.NewEntry()
		if n == "address" {
			e = widget.NewMultiLineEntry()
			e.SetMinRowsVisible(2)
		}
		v.fields[n] = e
		form.Append(labels[n], e)
	}
	v.status = widget.NewLabel("")
	v.status.Wrapping = fyne.TextWrapWord
	v.saveBtn = widget.NewButtonWithIcon(u.t("Enregistrer", "Save"), theme.DocumentSaveIcon(), func() {
		if err := v.savePractitioner(); err != nil {
			v.status.Importance = widget.DangerImportance
			v.status.SetText(err.Error())
			return
		}
		v.status.Importance = widget.SuccessImportance
		v.status.SetText(u.t("Enregistré.", "Saved."))
	})
	v.saveBtn.Importance = widget.HighImportance

	v.code, v.label, v.price, v.ngap = widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	v.code.SetPlaceHolder(u.t("Code", "Code"))
	v.label.SetPlaceHolder(u.t("Libellé", "Label"))
	v.price.SetPlaceHolder(u.t("Prix (€)", "Price (€)"))
	v.ngap.SetPlaceHolder("NGAP/CCAM")
	v.actStatus = widget.NewLabel("")
	v.actStatus.Wrapping = fyne.TextWrapWord
	v.addAct = widget.NewButtonWithIcon(u.t("Ajouter / modifier", "Add / update"), theme.ContentAddIcon(), func() {
		if err := v.saveAct(); err != nil {
			v.actStatus.Importance = widget.DangerImportance
			v.actStatus.SetText(err.Error())
			return
		}
		v.actStatus.Importance = widget.SuccessImportance
		v.actStatus.SetText(u.t("Acte enregistré.", "Act saved."))
	})
	v.actList = widget.NewList(func() int { return len(v.acts) },
		func() fyne.CanvasObject {
			return widget.NewLabel(u.t("CODE — libellé — 00,00 €", "CODE — label — 00.00 €"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			a := v.acts[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%s — %s — %s %s", a.Code, a.Label, a.Price.Euros(), a.NGAP))
		})
	v.actList.OnSelected = func(i widget.ListItemID) {
		a := v.acts[i]
		v.code.SetText(a.Code)
		v.label.SetText(a.Label)
		v.price.SetText(fmt.Sprintf("%d,%02d", a.Price/100, a.Price%100))
		v.ngap.SetText(a.NGAP)
	}
	left := widget.NewCard(u.t("Praticien", "Practitioner"), u.t("Mentions obligatoires des notes d'honoraires", "Mandatory mentions on invoices"),
		container.NewVBox(form, v.saveBtn, v.status))
	v.idle = u.newSelect([]string{"1m", "2m", "5m", "10m", "15m", "30m", u.t("jamais", "never")}, nil)
	v.lang = u.newSelect([]string{"Français", "English"}, nil)
	var hours []string
	for h := 0; h < 24; h++ {
		hours = append(hours, fmt.Sprintf("%02d:00", h))
	}
	v.backupHour = u.newSelect(append([]string{u.t("aucune", "none")}, hours...), nil)
	v.backupKeep = widget.NewEntry()
	v.backupDir = widget.NewEntry()
	v.backupDir.SetPlaceHolder(u.t("dossier backups du coffre", "the vault's backups folder"))
	v.prefsStatus = widget.NewLabel("")
	v.prefsStatus.Wrapping = fyne.TextWrapWord
	v.prefsBtn = widget.NewButtonWithIcon(u.t("Enregistrer les préférences", "Save preferences"), theme.DocumentSaveIcon(), func() {
		if err := v.savePrefs(); err != nil {
			v.prefsStatus.Importance = widget.DangerImportance
			v.prefsStatus.SetText(err.Error())
			return
		}
		v.prefsStatus.Importance = widget.SuccessImportance
		v.prefsStatus.SetText(u.t("Préférences enregistrées (la langue s'applique au prochain démarrage).", "Preferences saved (the language applies at the next start)."))
	})
	v.compactBtn = widget.NewButtonWithIcon(u.t("Compacter le coffre…", "Compact the vault…"), theme.StorageIcon(), v.confirmCompact)
	v.keyFileBtn = widget.NewButtonWithIcon(u.t("Fichier clé…", "Key file…"), theme.AccountIcon(), v.keyFileDialog)
	where := widget.NewLabel(u.t("Emplacement du coffre : ", "Vault location: ") + u.p.Dir() +
		u.t("\n(pour un autre emplacement : cabinet --vault DOSSIER, ou la variable CABINET_VAULT)", "\n(another location: cabinet --vault FOLDER, or the CABINET_VAULT variable)"))
	where.Wrapping = fyne.TextWrapWord
	prefs := widget.NewCard(u.t("Préférences", "Preferences"), "", container.NewVBox(where, widget.NewForm(
		widget.NewFormItem(u.t("Verrouillage après", "Lock after"), v.idle),
		widget.NewFormItem(u.t("Langue", "Language"), v.lang),
		widget.NewFormItem(u.t("Sauvegarde quotidienne", "Daily backup"), v.backupHour),
		widget.NewFormItem(u.t("Sauvegardes gardées", "Backups kept"), v.backupKeep),
		widget.NewFormItem(u.t("Dossier des sauvegardes", "Backup folder"), v.backupDir),
	), v.prefsBtn, container.NewHBox(v.compactBtn, v.keyFileBtn), v.prefsStatus))
	left = widget.NewCard("", "", container.NewVBox(left, prefs))
	actForm := container.NewGridWithColumns(4, v.code, v.label, v.price, v.ngap)
	right := widget.NewCard(u.t("Catalogue d'actes", "Acts catalogue"), "",
		container.NewBorder(container.NewVBox(actForm, v.addAct, v.actStatus), nil, nil, nil, v.actList))
	v.content = container.NewGridWithColumns(2, container.NewVScroll(left), right)
	v.load()
	return v
}

func (v *settingsView) load() {
	pr, err := v.u.p.Practitioner(context.Background())
	if err != nil {
		v.status.SetText(v.u.errText(err))
		return
	}
	for n, val := range map[string]string{"name": pr.Name, "profession": pr.Profession, "address": pr.Address, "rpps": pr.RPPS,
		"adeli": pr.ADELI, "siret": pr.SIRET, "place": pr.Place} {
		v.fields[n].SetText(val)
	}
	v.acts, _ = v.u.p.Acts(context.Background())
	v.actList.Refresh()
	if cfg, err := v.u.p.Config(context.Background()); err == nil {
		if cfg[practice.CfgIdleLock] == "0" || cfg[practice.CfgIdleLock] == "0s" {
			v.idle.SetSelectedIndex(len(v.idle.Options) - 1)
		} else {
			v.idle.SetSelected(cfg[practice.CfgIdleLock])
		}
		v.lang.SetSelectedIndex(map[string]int{"fr": 0, "en": 1}[cfg[practice.CfgLang]])
		h, _ := strconv.Atoi(cfg[practice.CfgBackupHour])
		v.backupHour.SetSelectedIndex(h + 1)
		v.backupKeep.SetText(cfg[practice.CfgBackupKeep])
		v.backupDir.SetText(cfg[practice.CfgBackupDir])
	}
}

// savePrefs stores the preferences; the lock delay applies at once.
func (v *settingsView) savePrefs() error {
	u := v.u
	ctx := context.Background()
	idle := v.idle.Selected
	if v.idle.SelectedIndex() == len(v.idle.Options)-1 {
		idle = "0"
	}
	set := [][2]string{
		{practice.CfgIdleLock, idle},
		{practice.CfgLang, []string{"fr", "en"}[max(v.lang.SelectedIndex(), 0)]},
		{practice.CfgBackupHour, strconv.Itoa(v.backupHour.SelectedIndex() - 1)},
		{practice.CfgBackupKeep, strings.TrimSpace(v.backupKeep.Text)},
		{practice.CfgBackupDir, strings.TrimSpace(v.backupDir.Text)},
	}
	for _, kv := range set {
		if err := u.p.SetConfig(ctx, kv[0], kv[1], "practitioner"); err != nil {
			return errors.New(u.errText(err))
		}
	}
	if u.opts.IdleLock == 0 {
		u.applyIdle()
		u.touch()
	}
	return nil
}

func (v *settingsView) savePractitioner() error {
	ctx := context.Background()
	pr, err := v.u.p.Practitioner(ctx) // keeps fields not shown (series)
	if err != nil {
		return errors.New(v.u.errText(err))
	}
	f := v.fields
	pr.Name, pr.Profession, pr.Address, pr.RPPS = f["name"].Text, f["profession"].Text, f["address"].Text, f["rpps"].Text
	pr.ADELI, pr.SIRET, pr.Place = f["adeli"].Text, f["siret"].Text, f["place"].Text
	if err := v.u.p.SetPractitioner(ctx, pr); err != nil {
		return errors.New(v.u.errText(err))
	}
	return nil
}

func (v *settingsView) saveAct() error {
	price, err := parseEuros(v.price.Text)
	if err != nil {
		return errors.New(v.u.t("Prix invalide (ex. 26,50).", "Invalid price (e.g. 26.50)."))
	}
	a := billing.Act{Code: v.code.Text, Label: v.label.Text, Price: price, NGAP: v.ngap.Text}
	if err := v.u.p.SaveAct(context.Background(), a); err != nil {
		return errors.New(v.u.errText(err))
	}
	v.acts, _ = v.u.p.Acts(context.Background())
	v.actList.Refresh()
	return nil
}

// confirmCompact rewrites the vault file without its free space, after
// saying what it does.
func (v *settingsView) confirmCompact() {
	u := v.u
	dialog.ShowConfirm(u.t("Compacter le coffre ?", "Compact the vault?"),
		u.t("Le fichier du coffre est réécrit sans son espace libre, vérifié, puis remplace l'ancien. Cabinet reste en attente pendant l'opération (quelques secondes).",
			"The vault file is rewritten without its free space, checked, then replaces the old one. Cabinet waits meanwhile (a few seconds)."),
		func(ok bool) {
			if ok {
				v.compact()
			}
		}, u.win)
}

func (v *settingsView) compact() {
	u := v.u
	v.compactBtn.Disable()
	v.prefsStatus.SetText(u.t("Compactage en cours…", "Compacting…"))
	var before, after int64
	u.async(func() (err error) {
		before, after, err = u.p.Vault().Compact()
		return err
	}, func(err error) {
		v.compactBtn.Enable()
		if err != nil {
			v.prefsStatus.SetText(u.errText(err))
			return
		}
		v.prefsStatus.SetText(fmt.Sprintf(u.t("Coffre compacté : %.1f Mo → %.1f Mo.", "Vault compacted: %.1f MB → %.1f MB."), float64(before)/1e6, float64(after)/1e6))
	})
}

// keyFileDialog sets up, replaces or removes the key file that a vault
// can require besides the passphrase (second factor): the file is made
// here, on removable media the practitioner chooses.
func (v *settingsView) keyFileDialog() {
	u := v.u
	pass := widget.NewPasswordEntry()
	path := widget.NewEntry()
	path.SetPlaceHolder(u.t("/media/CLE-USB/cabinet.key", "/media/USB-STICK/cabinet.key"))
	remove := widget.NewCheck(u.t("Ne plus exiger de fichier clé", "No longer require a key file"), nil)
	intro := widget.NewLabel(u.t("Le coffre demandera ce fichier en plus de la phrase de passe. Gardez-le sur une clé USB, à part. La clé de secours ouvre toujours le coffre seule.",
		"The vault will ask for this file besides the passphrase. Keep it on a USB stick, apart. The recovery key still opens the vault alone."))
	intro.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		widget.NewFormItem("", intro),
		widget.NewFormItem(u.t("Phrase de passe", "Passphrase"), pass),
		widget.NewFormItem(u.t("Nouveau fichier", "New file"), path),
	}
	if u.p.NeedsKeyFile() {
		items = append(items, widget.NewFormItem("", remove))
	}
	d := dialog.NewForm(u.t("Fichier clé", "Key file"), u.t("Valider", "Confirm"), u.t("Annuler", "Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		var err error
		if remove.Checked {
			err = u.p.SetKeyFile([]byte(pass.Text), nil)
		} else {
			err = v.makeKeyFile([]byte(pass.Text), strings.TrimSpace(path.Text))
		}
		if err != nil {
			v.prefsStatus.SetText(u.errText(err))
			return
		}
		v.prefsStatus.SetText(map[bool]string{true: u.t("Le coffre ne demande plus de fichier clé.", "The vault no longer asks for a key file."),
			false: u.t("Fichier clé créé : il sera demandé à chaque ouverture.", "Key file made: it will be asked for at each unlock.")}[remove.Checked])
	}, u.win)
	d.Resize(fyne.NewSize(520, 320))
	d.Show()
}

// makeKeyFile writes a new random key file at path (never over an
// existing file) and makes the vault require it.
func (v *settingsView) makeKeyFile(pass []byte, path string) error {
	u := v.u
	defer clear(pass)
	if path == "" {
		return errors.New(u.t("Indiquez où écrire le fichier clé.", "Say where to write the key file."))
	}
	key := make([]byte, 64)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	defer clear(key)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o400)
	if err != nil {
		return errors.New(u.t("Impossible d'écrire le fichier clé (un fichier existant n'est jamais remplacé) : ", "Cannot write the key file (an existing file is never replaced): ") + err.Error())
	}
	_, werr := f.Write(key)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = u.p.SetKeyFile(pass, key)
	}
	if werr != nil {
		os.Remove(path)
	}
	return werr
}
