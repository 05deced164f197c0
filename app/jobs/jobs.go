// Package jobs runs Cabinet's daily duties while the vault is unlocked:
// the retention job (archive records past their active period, list those
// past their whole period for the practitioner to confirm) and the
// reminder of rights requests due soon or overdue. It is an adapter: it
// owns the scheduler (gocron), the use cases stay in app/practice.
package jobs

import (
	"context"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"

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
