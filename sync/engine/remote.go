package engine

import (
	"context"
	"errors"
)

// ErrNotFound: the remote holds no object of that name.
var ErrNotFound = errors.New("no such object on the remote")

// Remote is the object store the practice's devices share: an
// S3-compatible bucket at an HDS host in production (package sync/s3), an
// in-memory map in unit tests. Names are slash-separated paths. Every
// method must be safe to retry: Put of the same name and data twice leaves
// one object, Delete of a missing object is not an error.
type Remote interface {
	// Put stores data under name, replacing any object of that name.
	Put(ctx context.Context, name string, data []byte) error
	// Get returns the object's bytes, or an error wrapping ErrNotFound.
	Get(ctx context.Context, name string) ([]byte, error)
	// List returns the names of the objects whose name starts with prefix.
	List(ctx context.Context, prefix string) ([]string, error)
	// Delete removes the object.
	Delete(ctx context.Context, name string) error
}
