// Package ui is Cabinet's desktop interface, built with Fyne. It speaks
// French first and English second, and holds patient data only while the
// vault is unlocked: locking (by hand or after inactivity) drops every
// screen that showed a patient.
package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/cabinet-sante/cabinet/app/jobs"
	"github.com/cabinet-sante/cabinet/app/msg"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/app/support"
	"github.com/cabinet-sante/cabinet/assets"
	"github.com/cabinet-sante/cabinet/sync/engine"
	"github.com/cabinet-sante/cabinet/sync/syncer"
)

// Options shape the interface.
type Options struct {
	Lang msg.Lang
	// DemoHint shows the demo passphrase on the unlock screen; only for
	// demo vaults.
	DemoHint bool
	// IdleLock locks the vault after this long without activity; zero
	// means the vault's setting (5 minutes unless changed), negative never.
	IdleLock time.Duration
	// Practice options for a vault the first-run window creates.
	Practice *practice.Options
	// PKCS11Module prefills the card's module on the unlock screen
	// (cabinet --pkcs11-module M).
	PKCS11Module string
	// Jobs runs the daily duties (retention, rights reminders) while the
	// vault is unlocked.
	Jobs bool
	// Version, Commit and Built describe the build, for support logs and
	// the About dialog.
	Version, Commit, Built string
	// VaultDir is where the vault lives, shown in Settings.
	VaultDir string
}

// UI is the main window and its screens.
type UI struct {
	app  fyne.App
	win  fyne.Window
	p    *practice.Practice
	opts Options

	// async runs slow work (unlocking, saving) off the UI goroutine and
	// then done on it. Tests make it synchronous.
	async func(work func() error, done func(error))
	// do runs what timers and jobs trigger on the UI goroutine (fyne.Do);
	// tests run it on theirs.
	do func(func())

	idleMu    sync.Mutex
	idleTimer *time.Timer
	idle      time.Duration // the idle delay in force, 0 = never

	tempMu   sync.Mutex
	tempDirs []string // documents opened in a system viewer, removed at lock and exit

	unlock *unlockScreen
	main   *mainScreen
	daily  *jobs.Daily
	syncer *syncer.Scheduler // scheduled sync while the vault is unlocked and sync on
	grant  *support.Grant    // the open remote-support session, if any
}

// New builds the interface for p, which must be open (locked or not).
func New(a fyne.App, p *practice.Practice, o Options) *UI {
	if o.Lang == "" {
		o.Lang = msg.FR
	}
	u := &UI{app: a, p: p, opts: o, do: fyne.Do}
	u.async = func(work func() error, done func(error)) {
		go func() {
			err := work()
			fyne.Do(func() { done(err) })
		}()
	}
	a.SetIcon(Icon)
	u.win = a.NewWindow("Cabinet")
	u.win.Resize(fyne.NewSize(1100, 720))
	u.win.SetMaster()
	u.win.SetCloseIntercept(func() {
		u.saveDrafts()
		u.removeTemps()
		u.win.Close()
	})
	u.win.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) {
		if u.main == nil || u.main.record == nil {
			return
		}
		r := u.main.record
		for _, x := range uris {
			if err := r.attach(u.main, x.Path()); err != nil {
				dialog.ShowError(err, u.win)
				return
			}
		}
	})
	p.OnLock(func() { fyne.Do(u.showUnlock) })
	if p.Unlocked() {
		u.showMain()
	} else {
		u.showUnlock()
	}
	u.win.Show()
	return u
}

// Icon is the application icon.
var Icon = fyne.NewStaticResource("cabinet.png", assets.IconPNG)

// Window is the main window.
func (u *UI) Window() fyne.Window { return u.win }

// t picks the French or English wording.
func (u *UI) t(fr, en string) string {
	if u.opts.Lang == msg.EN {
		return en
	}
	return fr
}

// errText words err for the practitioner.
func (u *UI) errText(err error) string { return msg.Text(err, u.opts.Lang) }

func (u *UI) showUnlock() {
	u.stopIdle()
	if u.grant != nil { // locking ends any support session
		u.grant.End("vault locked")
		u.grant = nil
	}
	if u.daily != nil {
		u.daily.Stop()
		u.daily = nil
	}
	if u.syncer != nil {
		u.syncer.Stop()
		u.syncer = nil
	}
	u.main = nil
	u.unlock = newUnlockScreen(u)
	u.win.SetTitle("Cabinet — " + u.t("verrouillé", "locked"))
	u.win.SetContent(u.unlock.content)
	u.win.Canvas().Focus(u.unlock.pass)
}

func (u *UI) showMain() {
	u.unlock = nil
	u.main = newMainScreen(u)
	u.win.SetTitle("Cabinet")
	u.win.SetContent(u.main.content)
	u.win.Canvas().Focus(u.main.search)
	u.shortcuts()
	u.applyIdle()
	u.touch()
	if u.opts.Jobs {
		pv := u.main.privacy
		d, err := jobs.Start(u.p, 7, 0, func(dg jobs.Digest) {
			u.do(func() {
				if u.main != nil && u.main.privacy == pv {
					pv.showDigest(dg)
				}
			})
		})
		if err == nil {
			u.daily = d
		}
		sv := u.main.sync
		if s, err := syncer.Schedule(u.p, syncer.Every, func(engine.Report, error) {
			u.do(func() {
				if u.main != nil && u.main.sync == sv {
					sv.refresh()
				}
			})
		}); err == nil {
			u.syncer = s
		}
	}
}

// saveDrafts seals what is being typed before the vault locks or the
// window closes.
func (u *UI) saveDrafts() {
	if u.main != nil && u.main.consult != nil {
		u.main.consult.flush()
	}
}

// lock locks the vault; the OnLock hook brings back the unlock screen.
func (u *UI) lock() {
	u.saveDrafts()
	u.removeTemps()
	if u.p.Unlocked() {
		u.p.Lock()
		return
	}
	u.showUnlock()
}

// touch records activity and restarts the idle countdown.
func (u *UI) touch() {
	if u.main == nil {
		return // locked, or the main screen is still being built
	}
	u.idleMu.Lock()
	defer u.idleMu.Unlock()
	if u.idle <= 0 {
		return
	}
	if u.idleTimer != nil {
		u.idleTimer.Reset(u.idle)
		return
	}
	u.idleTimer = time.AfterFunc(u.idle, func() {
		u.do(func() {
			if u.main != nil {
				u.lock()
			}
		})
	})
}

func (u *UI) stopIdle() {
	u.idleMu.Lock()
	defer u.idleMu.Unlock()
	if u.idleTimer != nil {
		u.idleTimer.Stop()
		u.idleTimer = nil
	}
}

// shortcuts binds the keyboard: Ctrl+F search, Ctrl+N new consultation
// (or new patient when no record is open), Ctrl+S save the open form,
// Ctrl+L lock.
func (u *UI) shortcuts() {
	c := u.win.Canvas()
	bind := func(key fyne.KeyName, fn func()) {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
			if u.main != nil {
				fn()
			}
		})
	}
	bind(fyne.KeyF, func() {
		u.main.tabs.SelectIndex(0)
		c.Focus(u.main.search)
	})
	bind(fyne.KeyN, func() {
		if u.main.record != nil {
			u.main.newConsultation()
		} else {
			u.main.edit(nil)
		}
	})
	bind(fyne.KeyS, func() {
		switch {
		case u.main.consult != nil:
			u.main.consult.submit()
		case u.main.form != nil:
			u.main.form.submit()
		}
	})
	bind(fyne.KeyL, u.lock)
}

// applyIdle sets the idle delay: the option when given, else the vault's
// setting.
func (u *UI) applyIdle() {
	d := u.opts.IdleLock
	if d == 0 {
		d = u.p.IdleLock(context.Background())
	}
	if d < 0 {
		d = 0
	}
	u.stopIdle()
	u.idleMu.Lock()
	u.idle = d
	u.idleMu.Unlock()
}

// newSelect is a drop-down whose empty state speaks the interface's
// language (Fyne's own placeholder is English only).
func (u *UI) newSelect(options []string, changed func(string)) *widget.Select {
	s := widget.NewSelect(options, changed)
	s.PlaceHolder = u.t("(choisir)", "(choose)")
	return s
}
