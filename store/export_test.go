package store

import "time"

// SetLeaseTTL shortens the lease of s's operations, so tests can wait for
// the lease of a killed holder to lapse.
func (s *Store) SetLeaseTTL(d time.Duration) { s.leaseTTL = d }

// SetTxRows bounds the rows of one load transaction, so a release of the
// size of ATLAS is written in several committed transactions.
func (s *Store) SetTxRows(n int) { s.txRows = n }

// SetFault installs the function the operations of s call at each
// checkpoint; an error it returns interrupts the operation there.
func (s *Store) SetFault(f func(point string) error) { s.fault = f }
