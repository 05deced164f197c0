// Package jobs runs Cabinet's scheduled duties while the vault is
// unlocked: the retention job (archive records past their active period,
// list those past their whole period for the practitioner to confirm),
// the reminder of rights requests due soon or overdue, daily backups, and
// the mail intake every 15 minutes when a mailbox is set up. It is an adapter: it
// owns the scheduler (gocron), the use cases stay in app/practice.
package jobs

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/cabinet-sante/cabinet/app/mail"
	"github.com/cabinet-sante/cabinet/app/practice"
	"github.com/cabinet-sante/cabinet/app/privacy"
)

// Digest is what the daily run found, for the home screen.
type Digest struct {
	When          time.Time
	Archived      int
	Expired       []string // patient ids waiting for the practitioner's confirmation
	RightsDueSoon int
	RightsOverdue int
	Err           error
}

// Daily runs the daily duties at a time of day and once at start.
type Daily struct {
	p      *practice.Practice
	notify func(Digest)
	s      gocron.Scheduler
	mu     sync.Mutex
	last   Digest
}

// Start schedules the duties every day at hour:minute (Paris time) and
// runs them once now. notify receives each digest.
func Start(p *practice.Practice, hour, minute uint, notify func(Digest)) (*Daily, error) {
	s, err := gocron.NewScheduler(gocron.WithLocation(practice.Paris()))
	if err != nil {
		return nil, err
	}
	d := &Daily{p: p, notify: notify, s: s}
	if _, err := s.NewJob(gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(hour, minute, 0))),
		gocron.NewTask(d.Run), gocron.WithSingletonMode(gocron.LimitModeReschedule)); err != nil {
		return nil, err
	}
	if _, err := s.NewJob(gocron.OneTimeJob(gocron.OneTimeJobStartImmediately()), gocron.NewTask(d.Run)); err != nil {
		return nil, err
	}
	// The mailbox, every quarter of an hour, when the practitioner set it up.
	if _, on, err := p.MailAccount(context.Background()); err == nil && on {
		if _, err := s.NewJob(gocron.DurationJob(15*time.Minute), gocron.NewTask(func() {
			if p.Unlocked() {
				mail.Intake(context.Background(), p, nil)
			}
		}), gocron.WithSingletonMode(gocron.LimitModeReschedule)); err != nil {
			return nil, err
		}
	}
	if cfg, err := p.Config(context.Background()); err == nil {
		if h, err := strconv.Atoi(cfg[practice.CfgBackupHour]); err == nil && h >= 0 {
			if _, err := s.NewJob(gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(uint(h), 0, 0))),
				gocron.NewTask(func() { d.Backup(time.Now()) }), gocron.WithSingletonMode(gocron.LimitModeReschedule)); err != nil {
				return nil, err
			}
		}
	}
	s.Start()
	return d, nil
}

// Run does the duties once.
func (d *Daily) Run() {
	ctx := context.Background()
	dg := Digest{When: time.Now()}
	if d.p.Unlocked() {
		rep, err := d.p.RunRetention(ctx, false, false)
		dg.Archived, dg.Expired, dg.Err = len(rep.Archived), rep.Expired, err
		if err == nil {
			reqs, err := d.p.Rights(ctx)
			today := time.Now().In(practice.Paris()).Format(time.DateOnly)
			for _, r := range reqs {
				switch privacy.UrgencyOf(r, today) {
				case privacy.DueSoon:
					dg.RightsDueSoon++
				case privacy.Overdue:
					dg.RightsOverdue++
				}
			}
			dg.Err = err
		}
	}
	if d.notify != nil {
		d.notify(dg)
	}
	d.mu.Lock()
	d.last = dg // after notify: once Last shows a run, its notification is done
	d.mu.Unlock()
}

// Last is the latest digest.
func (d *Daily) Last() Digest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last
}

// Stop ends the schedule (at lock).
func (d *Daily) Stop() error { return d.s.Shutdown() }

// Backup writes a verified automatic backup into the configured folder
// (the vault's backups folder by default) and keeps the newest ones only.
// It returns the file written.
func (d *Daily) Backup(now time.Time) (string, error) {
	ctx := context.Background()
	if !d.p.Unlocked() {
		return "", nil
	}
	cfg, err := d.p.Config(ctx)
	if err != nil {
		return "", err
	}
	dir := cfg[practice.CfgBackupDir]
	if dir == "" {
		dir = filepath.Join(d.p.Dir(), "backups")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "auto-"+now.In(practice.Paris()).Format("20060102-1504")+".vault")
	if err := d.p.Backup(ctx, path); err != nil {
		return "", err
	}
	keep, _ := strconv.Atoi(cfg[practice.CfgBackupKeep])
	old, _ := filepath.Glob(filepath.Join(dir, "auto-*.vault"))
	sort.Strings(old) // names sort by date
	for len(old) > max(keep, 1) {
		os.Remove(old[0])
		old = old[1:]
	}
	return path, nil
}
