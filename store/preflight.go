package store

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// preflight reads bbolt's two meta pages before bbolt maps the file, and
// refuses a file that is too short for the pages its meta page claims.
// bbolt itself would fault reading past the end of a truncated file.
func preflight(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return classifyFSError(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if size == 0 {
		return nil // a new file: bbolt initialises it
	}
	var best *boltMeta
	for i := 0; i < 2; i++ {
		var off int64
		if i == 1 {
			if best == nil {
				break
			}
			off = int64(best.pageSize)
		}
		buf := make([]byte, 16+64)
		if _, err := f.ReadAt(buf, off); err != nil && err != io.EOF {
			return err
		}
		m, ok := parseBoltMeta(buf[16:])
		if ok && (best == nil || m.txid > best.txid) {
			best = &m
		}
		if i == 0 && !ok {
			// Find the second meta page with the default page size.
			if _, err := f.ReadAt(buf, int64(os.Getpagesize())); err == nil {
				if m, ok := parseBoltMeta(buf[16:]); ok {
					best = &m
				}
			}
			break
		}
	}
	if best == nil {
		return corrupt("file structure", "not a Cabinet vault, or its first pages are damaged")
	}
	need := int64(best.pgid) * int64(best.pageSize)
	if need > size || best.freelist >= best.pgid || best.root >= best.pgid {
		return corrupt("file structure", fmt.Sprintf("the file is truncated (%d of %d bytes)", size, need))
	}
	return nil
}

type boltMeta struct {
	pageSize                   uint32
	root, freelist, pgid, txid uint64
}

func parseBoltMeta(b []byte) (boltMeta, bool) {
	le := binary.LittleEndian
	if len(b) < 64 || le.Uint32(b[0:]) != 0xED0CDAED || le.Uint32(b[4:]) != 2 {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	h.Write(b[:56])
	if h.Sum64() != le.Uint64(b[56:]) {
		return boltMeta{}, false
	}
	m := boltMeta{pageSize: le.Uint32(b[8:]), root: le.Uint64(b[16:]), freelist: le.Uint64(b[32:]),
		pgid: le.Uint64(b[40:]), txid: le.Uint64(b[48:])}
	if m.pageSize < 1024 || m.pageSize > 1<<20 {
		return boltMeta{}, false
	}
	return m, true
}
