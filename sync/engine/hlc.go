package engine

import (
	"fmt"
	"sync"
	"time"
)

// HLC is a hybrid logical clock stamp: wall time in milliseconds, a counter
// for events in the same millisecond or behind a peer's clock, and the
// device that made it, which breaks ties. Stamps order all versions of a
// record totally and respect causality.
type HLC struct {
	Wall int64  `json:"w"`
	N    uint32 `json:"n,omitempty"`
	Dev  string `json:"d"`
}

// Less orders stamps: wall time, then counter, then device.
func (a HLC) Less(b HLC) bool {
	if a.Wall != b.Wall {
		return a.Wall < b.Wall
	}
	if a.N != b.N {
		return a.N < b.N
	}
	return a.Dev < b.Dev
}

// IsZero reports whether the stamp was never set.
func (a HLC) IsZero() bool { return a.Wall == 0 && a.N == 0 && a.Dev == "" }

func (a HLC) String() string { return fmt.Sprintf("%d.%d@%s", a.Wall, a.N, a.Dev) }

// Clock makes stamps for one device.
type Clock struct {
	mu   sync.Mutex
	dev  string
	last HLC
	now  func() time.Time
}

// NewClock returns a clock for device dev.
func NewClock(dev string, now func() time.Time) *Clock {
	if now == nil {
		now = time.Now
	}
	return &Clock{dev: dev, now: now}
}

// Now returns a stamp greater than every stamp made or observed before.
func (c *Clock) Now() HLC {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.now().UnixMilli()
	if w > c.last.Wall {
		c.last = HLC{Wall: w, Dev: c.dev}
	} else {
		c.last = HLC{Wall: c.last.Wall, N: c.last.N + 1, Dev: c.dev}
	}
	return c.last
}

// Observe moves the clock past a peer's stamp.
func (c *Clock) Observe(h HLC) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last.Less(h) {
		c.last = HLC{Wall: h.Wall, N: h.N, Dev: c.dev}
	}
}

// VV is a version vector: how many edits of a record each device made, as
// far as the holder knows.
type VV map[string]uint64

// Compare returns +1 when a descends from b (a knows every edit b knows,
// and more), -1 when b descends from a, 0 when they are equal and 2 when
// they are concurrent.
func (a VV) Compare(b VV) int {
	ge, le := true, true
	for d, n := range a {
		if n > b[d] {
			le = false
		}
	}
	for d, n := range b {
		if n > a[d] {
			ge = false
		}
	}
	switch {
	case ge && le:
		return 0
	case ge:
		return 1
	case le:
		return -1
	}
	return 2
}

// Max returns the element-wise maximum.
func (a VV) Max(b VV) VV {
	m := VV{}
	for d, n := range a {
		m[d] = n
	}
	for d, n := range b {
		if n > m[d] {
			m[d] = n
		}
	}
	return m
}
