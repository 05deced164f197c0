package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/practice"
)

// documentsCard lists a record's attachments with open and preview
// actions, and a button to attach more (files can also be dropped on the
// window).
func (r *recordView) documentsCard(m *mainScreen) fyne.CanvasObject {
	u := m.u
	docs, err := u.p.Documents(context.Background(), r.patient.ID)
	if err != nil {
		return widget.NewLabel(u.errText(err))
	}
	r.docs = docs
	box := container.NewVBox()
	for _, d := range docs {
		label := widget.NewLabel(fmt.Sprintf("%s · %s · %s", d.Name, humanSize(d.Size), d.Added.In(practice.Paris()).Format("02/01/2006")))
		label.Truncation = fyne.TextTruncateEllipsis
		open := widget.NewButtonWithIcon(u.t("Ouvrir", "Open"), theme.FileIcon(), func() {
			if err := u.openDocument(d.ID); err != nil {
				dialog.ShowError(err, u.win)
			}
		})
		row := container.NewBorder(nil, nil, nil, open, label)
		if d.Type != "application/pdf" {
			preview := widget.NewButtonWithIcon("", theme.VisibilityIcon(), func() { u.previewDocument(d.ID) })
			row = container.NewBorder(nil, nil, nil, container.NewHBox(preview, open), label)
		}
		box.Add(row)
	}
	attach := widget.NewButtonWithIcon(u.t("Joindre un document…", "Attach a document…"), theme.ContentAddIcon(), func() {
		d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
			if err != nil || rc == nil {
				return
			}
			path := rc.URI().Path()
			rc.Close()
			if err := r.attach(m, path); err != nil {
				dialog.ShowError(err, u.win)
			}
		}, u.win)
		d.SetFilter(storage.NewExtensionFileFilter([]string{".pdf", ".png", ".jpg", ".jpeg", ".gif", ".webp"}))
		d.Show()
	})
	if r.flags.Restricted {
		attach.Disable()
	}
	hint := widget.NewLabel(u.t("PDF ou images, 20 Mo au plus ; vous pouvez aussi déposer les fichiers sur la fenêtre.", "PDF or images, 20 MB at most; you can also drop files on the window."))
	hint.Importance = widget.LowImportance
	hint.Wrapping = fyne.TextWrapWord
	box.Add(container.NewBorder(nil, nil, nil, attach, hint))
	return widget.NewCard(fmt.Sprintf(u.t("Documents (%d)", "Documents (%d)"), len(docs)), "", box)
}

func humanSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f Mo", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d ko", n>>10)
	}
	return fmt.Sprintf("%d o", n)
}

// attach reads a file and attaches it to the record, then shows it.
func (r *recordView) attach(m *mainScreen, path string) error {
	u := m.u
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Size() > practice.MaxDocument {
		return errors.New(u.errText(practice.ErrDocumentTooLarge))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if _, err := u.p.AddDocument(context.Background(), r.patient.ID, "", filepath.Base(path), data); err != nil {
		return errors.New(u.errText(err))
	}
	m.open(r.patient.ID)
	return nil
}

// openDocument writes the document to a private temporary file, opens it
// in the system viewer, and removes it after a while, at lock and at exit.
func (u *UI) openDocument(id string) error {
	path, err := u.documentTempFile(id)
	if err != nil {
		return err
	}
	return fyne.CurrentApp().OpenURL(&url.URL{Scheme: "file", Path: path})
}

func (u *UI) documentTempFile(id string) (string, error) {
	d, data, err := u.p.DocumentData(context.Background(), id)
	if err != nil {
		return "", errors.New(u.errText(err))
	}
	dir, err := os.MkdirTemp("", "cabinet-doc-")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, d.Name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	u.tempMu.Lock()
	u.tempDirs = append(u.tempDirs, dir)
	u.tempMu.Unlock()
	time.AfterFunc(10*time.Minute, func() { u.removeTemp(dir) })
	return path, nil
}

func (u *UI) removeTemp(dir string) {
	os.RemoveAll(dir)
	u.tempMu.Lock()
	defer u.tempMu.Unlock()
	for i, d := range u.tempDirs {
		if d == dir {
			u.tempDirs = append(u.tempDirs[:i], u.tempDirs[i+1:]...)
			break
		}
	}
}

// removeTemps deletes every document opened in a viewer (lock, exit).
func (u *UI) removeTemps() {
	u.tempMu.Lock()
	dirs := u.tempDirs
	u.tempDirs = nil
	u.tempMu.Unlock()
	for _, d := range dirs {
		os.RemoveAll(d)
	}
}

// previewDocument shows an image in a dialog, from memory.
func (u *UI) previewDocument(id string) {
	d, data, err := u.p.DocumentData(context.Background(), id)
	if err != nil {
		dialog.ShowError(errors.New(u.errText(err)), u.win)
		return
	}
	img := canvas.NewImageFromReader(bytes.NewReader(data), d.Name)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(640, 480))
	dialog.ShowCustom(d.Name, u.t("Fermer", "Close"), img, u.win)
}
