package ui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/sync/engine"
	"github.com/cabinet-sante/cabinet/sync/syncer"
)

// syncView turns sync to an HDS host on and off, runs it, shows its state
// and the conflicts to review.
type syncView struct {
	u       *UI
	content fyne.CanvasObject

	endpoint, bucket, access, secret, caFile, host, cert *widget.Entry
	status                                               *widget.Label
	progress                                             *widget.ProgressBar
	enableBtn, nowBtn, disableBtn                        *widget.Button

	conflicts         []engine.Conflict
	list              *widget.List
	selected          int
	restoreBtn, dropB *widget.Button
}

func newSyncView(u *UI) *syncView {
	v := &syncView{u: u, selected: -1}
	v.endpoint, v.bucket, v.access, v.secret = widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewPasswordEntry()
	v.caFile, v.host, v.cert = widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	v.endpoint.SetPlaceHolder(u.t("https://s3.hebergeur-hds.fr", "https://s3.hds-host.example"))
	v.caFile.SetPlaceHolder(u.t("facultatif : certificat d'autorité (PEM)", "optional: CA certificate (PEM)"))
	v.cert.SetPlaceHolder(u.t("n° du certificat HDS", "HDS certificate no."))
	fr, en := syncer.Describe()
	what := widget.NewLabel(u.t(fr, en))
	what.Wrapping = fyne.TextWrapWord
	v.status = widget.NewLabel("")
	v.status.Wrapping = fyne.TextWrapWord
	v.progress = widget.NewProgressBar()
	v.progress.Hide()
	v.enableBtn = widget.NewButtonWithIcon(u.t("Activer…", "Turn on…"), theme.UploadIcon(), v.confirmEnable)
	v.enableBtn.Importance = widget.HighImportance
	v.nowBtn = widget.NewButtonWithIcon(u.t("Synchroniser", "Sync now"), theme.ViewRefreshIcon(), v.runNow)
	v.disableBtn = widget.NewButtonWithIcon(u.t("Désactiver…", "Turn off…"), theme.CancelIcon(), v.confirmDisable)
	form := widget.NewForm(
		widget.NewFormItem(u.t("Serveur S3", "S3 server"), v.endpoint), widget.NewFormItem(u.t("Compartiment", "Bucket"), v.bucket),
		widget.NewFormItem(u.t("Clé d'accès", "Access key"), v.access), widget.NewFormItem(u.t("Clé secrète", "Secret key"), v.secret),
		widget.NewFormItem(u.t("Hébergeur", "Host"), v.host), widget.NewFormItem(u.t("Certificat HDS", "HDS certificate"), v.cert),
		widget.NewFormItem(u.t("Autorité", "CA"), v.caFile))
	left := widget.NewCard(u.t("Hébergeur de données de santé", "Health-data host"), u.t("Désactivée par défaut ; TLS vérifié", "Off by default; verified TLS"),
		container.NewVBox(form, what, container.NewHBox(v.enableBtn, v.nowBtn, v.disableBtn), v.progress, v.status))

	v.list = widget.NewList(func() int { return len(v.conflicts) },
		func() fyne.CanvasObject {
			return widget.NewLabel(u.t("00/00 00:00 · fiche · champs", "00/00 00:00 · record · fields"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := v.conflicts[i]
			l := o.(*widget.Label)
			l.Truncation = fyne.TextTruncateEllipsis
			fields := strings.Join(c.Fields, ", ")
			if fields == "*" {
				fields = u.t("tout l'enregistrement", "the whole record")
			}
			l.SetText(fmt.Sprintf("%s · %s · %s", c.At.In(practice.Paris()).Format("02/01 15:04"), v.kind(c.Bucket), fields))
		})
	v.list.OnSelected = func(i widget.ListItemID) { v.selected = i; v.buttons() }
	v.restoreBtn = widget.NewButtonWithIcon(u.t("Rétablir cette version", "Restore this version"), theme.ContentUndoIcon(), func() { v.resolve(true) })
	v.dropB = widget.NewButtonWithIcon(u.t("Garder l'actuelle", "Keep the current one"), theme.ConfirmIcon(), func() { v.resolve(false) })
	hint := widget.NewLabel(u.t("Quand deux postes ont modifié le même champ, la modification la plus récente l'emporte ; l'autre est gardée ici.",
		"When two devices changed the same field, the latest change wins; the other is kept here."))
	hint.Wrapping = fyne.TextWrapWord
	right := widget.NewCard(u.t("Conflits à revoir", "Conflicts to review"), "",
		container.NewBorder(hint, container.NewHBox(v.restoreBtn, v.dropB), nil, nil, v.list))
	v.content = container.NewGridWithColumns(2, container.NewVScroll(left), right)
	v.refresh()
	return v
}

func (v *syncView) kind(bucket string) string {
	u := v.u
	switch bucket {
	case "patients":
		return u.t("fiche patient", "patient record")
	case "consultations":
		return u.t("séance", "consultation")
	case "appointments":
		return u.t("rendez-vous", "appointment")
	case "notes", "note-payments":
		return u.t("note d'honoraires", "invoice")
	}
	return bucket
}

func (v *syncView) account() (practice.SyncAccount, error) {
	a := practice.SyncAccount{Endpoint: strings.TrimSpace(v.endpoint.Text), Bucket: strings.TrimSpace(v.bucket.Text),
		AccessKey: strings.TrimSpace(v.access.Text), SecretKey: strings.TrimSpace(v.secret.Text),
		Host: strings.TrimSpace(v.host.Text), HDSCertificate: strings.TrimSpace(v.cert.Text)}
	if f := strings.TrimSpace(v.caFile.Text); f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return a, err
		}
		a.CA = string(pem)
	}
	return a, a.Validate()
}

func (v *syncView) confirmEnable() {
	u := v.u
	a, err := v.account()
	if err != nil {
		v.report(err, "")
		return
	}
	fr, en := syncer.Describe()
	dialog.ShowConfirm(u.t("Activer la synchronisation ?", "Turn sync on?"),
		u.t(fr, en)+"\n\n"+u.t("L'hébergeur "+a.Host+" sera inscrit comme destinataire au registre des traitements.", "The host "+a.Host+" will be listed as a recipient in the register of processing."),
		func(ok bool) {
			if ok {
				v.enable(a)
			}
		}, u.win)
}

// enable turns sync on with a confirmed account, then runs the first sync.
func (v *syncView) enable(a practice.SyncAccount) {
	u := v.u
	v.enableBtn.Disable()
	v.status.SetText(u.t("Connexion à l'hébergeur…", "Connecting to the host…"))
	u.async(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := syncer.Enable(ctx, u.p, a)
		return err
	}, func(err error) {
		v.enableBtn.Enable()
		if err != nil {
			v.report(err, "")
			return
		}
		v.secret.SetText("")
		v.refresh()
		v.runNow()
	})
}

func (v *syncView) runNow() {
	u := v.u
	v.nowBtn.Disable()
	v.progress.SetValue(0)
	v.progress.Show()
	v.status.SetText(u.t("Synchronisation en cours…", "Syncing…"))
	var rep engine.Report
	u.async(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		var err error
		rep, err = syncer.Now(ctx, u.p, func(done, total int64) {
			u.do(func() { v.progress.SetValue(float64(done) / float64(max(total, 1))) })
		})
		return err
	}, func(err error) {
		v.nowBtn.Enable()
		v.progress.Hide()
		v.refresh()
		v.report(err, fmt.Sprintf(u.t("Synchronisé : %d envoyé(s), %d reçu(s), %d conflit(s), %d retenu(s) sur ce poste.", "Synced: %d sent, %d received, %d conflict(s), %d kept on this device."),
			rep.Sent, rep.Applied, rep.Conflicts, rep.Held))
		if u.main != nil && rep.Applied > 0 {
			u.main.runSearch(u.main.search.Text)
		}
	})
}

func (v *syncView) confirmDisable() {
	u := v.u
	forget := widget.NewCheck(u.t("Effacer aussi la copie chez l'hébergeur (tous les postes)", "Also delete the copy at the host (every device)"), nil)
	body := container.NewVBox(widget.NewLabel(u.t("Plus aucun échange avec l'hébergeur à partir de maintenant. Les données de ce poste restent intactes.",
		"No more traffic with the host from now on. This device's data stays intact.")), forget)
	dialog.ShowCustomConfirm(u.t("Désactiver la synchronisation ?", "Turn sync off?"), u.t("Désactiver", "Turn off"), u.t("Annuler", "Cancel"), body, func(ok bool) {
		if !ok {
			return
		}
		v.disableBtn.Disable()
		var n int
		u.async(func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			var err error
			n, err = syncer.Disable(ctx, u.p, forget.Checked)
			return err
		}, func(err error) {
			v.refresh()
			done := u.t("Synchronisation désactivée.", "Sync turned off.")
			if forget.Checked {
				done += fmt.Sprintf(u.t(" Copie distante effacée (%d objet(s)).", " Remote copy deleted (%d object(s))."), n)
			}
			v.report(err, done)
		})
	}, u.win)
}

func (v *syncView) resolve(restore bool) {
	if v.selected < 0 || v.selected >= len(v.conflicts) {
		return
	}
	err := syncer.Resolve(v.u.p, v.conflicts[v.selected].ID, restore)
	v.refresh()
	v.report(err, v.u.t("Conflit réglé.", "Conflict settled."))
}

func (v *syncView) report(err error, ok string) {
	if err == nil {
		v.status.Importance = widget.SuccessImportance
		v.status.SetText(ok)
		return
	}
	v.status.Importance = widget.DangerImportance
	v.status.SetText(v.u.errText(err))
}

// refresh shows the state of sync and fills the form from the account.
func (v *syncView) refresh() {
	u := v.u
	st, err := syncer.Status(u.p)
	if err != nil {
		v.report(err, "")
		return
	}
	a, on, _ := u.p.SyncAccount(context.Background())
	if on {
		v.endpoint.SetText(a.Endpoint)
		v.bucket.SetText(a.Bucket)
		v.host.SetText(a.Host)
		v.cert.SetText(a.HDSCertificate)
	}
	for _, e := range []*widget.Entry{v.endpoint, v.bucket, v.access, v.secret, v.host, v.cert, v.caFile} {
		if st.On {
			e.Disable()
		} else {
			e.Enable()
		}
	}
	v.status.Importance = widget.MediumImportance
	if !st.On {
		v.enableBtn.Enable()
		v.nowBtn.Disable()
		v.disableBtn.Disable()
		v.status.SetText(u.t("Synchronisation désactivée : rien ne quitte ce poste.", "Sync is off: nothing leaves this device."))
	} else {
		v.enableBtn.Disable()
		v.nowBtn.Enable()
		v.disableBtn.Enable()
		last := u.t("jamais", "never")
		if !st.LastSuccess.IsZero() {
			last = st.LastSuccess.In(practice.Paris()).Format("02/01/2006 15:04")
		}
		text := fmt.Sprintf(u.t("Activée avec %s. Dernière réussite : %s. En attente d'envoi : %d. Série de factures de ce poste : « %s ».",
			"On with %s. Last success: %s. Waiting to be sent: %d. This device's invoice series: \"%s\"."), a.Host, last, st.Pending, st.Series)
		if st.FirstUpload {
			text += u.t(" Premier envoi à faire.", " First upload to do.")
		}
		if st.LastError != "" {
			text += u.t(" Dernière erreur : ", " Last error: ") + st.LastError + "."
		}
		v.status.SetText(text)
	}
	v.conflicts, _ = syncer.Conflicts(u.p)
	v.selected = -1
	v.list.UnselectAll()
	v.list.Refresh()
	v.buttons()
}

func (v *syncView) buttons() {
	if v.selected >= 0 && v.selected < len(v.conflicts) {
		v.restoreBtn.Enable()
		v.dropB.Enable()
	} else {
		v.restoreBtn.Disable()
		v.dropB.Disable()
	}
}
