package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestAttachOpenAndCleanUpDocuments(t *testing.T) {
	p := lockedPractice(t)
	u := newUI(t, p, Options{})
	unlock(t, u, pass)
	m := u.main
	test.Type(m.search, "helene")
	m.list.Select(0)
	dir := t.TempDir()
	png := filepath.Join(dir, "radio.png")
	os.WriteFile(png, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...), 0o600)
	if err := m.record.attach(m, png); err != nil {
		t.Fatal(err)
	}
	if len(m.record.docs) != 1 || !strings.Contains(texts(u), "Documents (1)") {
		t.Fatalf("document not listed: %+v", m.record.docs)
	}
	txt := filepath.Join(dir, "notes.txt")
	os.WriteFile(txt, []byte("hello"), 0o600)
	if err := m.record.attach(m, txt); err == nil || !strings.Contains(err.Error(), "PDF") {
		t.Errorf("text file attached: %v", err)
	}
	big := filepath.Join(dir, "big.pdf")
	f, _ := os.Create(big)
	f.Truncate(21 << 20)
	f.Close()
	if err := m.record.attach(m, big); err == nil || !strings.Contains(err.Error(), "volumineux") {
		t.Errorf("oversized file: %v", err)
	}
	// Opening writes a private temporary copy; locking removes it.
	path, err := u.documentTempFile(m.record.docs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("temporary copy: %v %v", st, err)
	}
	u.lock()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Error("the temporary copy survives the lock")
	}
}
