/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_fmap.h - the writable freemap of an opened volume (format 8):
 * an in-memory copy of every freemap leaf, allocation by the writer rules
 * (8.4: classes, 16 KB granularity, linear sub-allocation, leaves made on
 * demand), marking blocks allocated (mount recovery 11.4), bulkfree's
 * two-pass merge (8.6), an undo log so a flush that fails before its
 * volume header can give back what it allocated, and the freemap flush
 * (8.3: changed leaves and nodes to their next rotation slot) that fills
 * in the in-memory volume header's freemap_blockset and allocator_free.
 * It writes through vol's io_ops->write; it never writes a volume header
 * and never issues the barrier (the caller's flush does both).
 *
 * Locking: none inside.  The read-write mount calls every function with
 * its own mount lock held; nothing here may be called concurrently on
 * one fmap.  The walks (recover, bulkfree) read through the volume's
 * verified-block cache and so take io_ops->lock briefly.
 */
#ifndef _FS_HAMMER2_HAMMER2_FMAP_H_
#define _FS_HAMMER2_HAMMER2_FMAP_H_

#include <fs/hammer2/hammer2_private.h>
#include <fs/hammer2/hammer2_rw.h>

struct hammer2_fmap;

/*
 * hammer2_fmap_load - read every leaf reachable from vd->freemap_blockset
 * (whatever node layout DragonFly's or our writer left) into memory.
 * vd is the caller's in-memory volume header, which the fmap keeps a
 * pointer to: allocator_beg, volu_size/total_size and allocator_free are
 * read from it and allocator_free is kept up to date in it.
 * Returns 0 and *fmp, EIO/EUCLEAN (a leaf or node fails its check),
 * ENOMEM.
 */
int	hammer2_fmap_load(struct hammer2_vol *vol,
	    struct hammer2_volume_data *vd, struct hammer2_fmap **fmp);
void	hammer2_fmap_destroy(struct hammer2_fmap *fm);

/*
 * hammer2_fmap_alloc - allocate bytes (a power of 2, 1 KB..64 KB) for a
 * block of bref type `type` (which picks the segment class).  Never below
 * allocator_beg, in the first 4 MB of a GB, past the volume, or across a
 * 16 KB (smaller blocks) or 64 KB boundary.  Returns 0 and *data_offp
 * (offset | radix, ready for a bref), EINVAL (bad size), ENOSPC.
 */
int	hammer2_fmap_alloc(struct hammer2_fmap *fm, int type, size_t bytes,
	    uint64_t *data_offp);

/*
 * hammer2_fmap_mark - make the 16 KB blocks under data_off (offset |
 * radix) allocated, creating the leaf if needed.  Blocks below
 * allocator_beg are ignored.  Returns 0, or EUCLEAN when data_off lies
 * outside the volume or in a reserved 4 MB.
 */
int	hammer2_fmap_mark(struct hammer2_fmap *fm, uint64_t data_off);

/* Free bytes as the freemap counts them (allocator_free). */
uint64_t hammer2_fmap_avail(const struct hammer2_fmap *fm);

/*
 * Undo log.  Between txn_begin and txn_commit every change to a leaf
 * (allocation or mark) is recorded; txn_abort puts back exactly the state
 * at txn_begin (bitmaps, linear, class, avail, allocator_free, which
 * leaves exist).  Transactions do not nest.
 */
void	hammer2_fmap_txn_begin(struct hammer2_fmap *fm);
void	hammer2_fmap_txn_commit(struct hammer2_fmap *fm);
void	hammer2_fmap_txn_abort(struct hammer2_fmap *fm);

/*
 * hammer2_fmap_flush - write every leaf and node changed since the last
 * flush (or load) to its next rotation slot with mirror_tid = tid, and
 * rebuild vd->freemap_blockset (FREEMAP check codes, bigmask, avail).
 * Leaves sit directly in the volume header while there are at most 4;
 * otherwise nodes of the next level up are made (8.1).  Returns 0 or an
 * errno from io_ops->write (the fmap is then unchanged in memory and a
 * later flush writes it again).
 */
int	hammer2_fmap_flush(struct hammer2_fmap *fm, uint64_t tid);

/*
 * hammer2_fmap_recover - mount-time recovery (11.4): walk the topology of
 * vol's selected header and mark every block whose bref has mirror_tid
 * greater than the header's freemap_tid, descending only into such
 * blocks.  Returns 0, ENOMEM, EIO/EUCLEAN only when the root itself is
 * unreadable (bad blocks further down are skipped).
 */
int	hammer2_fmap_recover(struct hammer2_fmap *fm, struct hammer2_vol *vol);


/*
 * hammer2_fmap_bulkfree - one bulkfree pass (8.6): walk the whole
 * topology of vol's selected header (every PFS and snapshot; its on-disk
 * state, so the caller flushes first), then merge into the live freemap
 * pair by pair: unreferenced 11 -> 10, unreferenced 10 -> 00 (+16 KB
 * free), referenced -> 11.  Segments left empty go back to class 0.
 * Returns 0 and *st, ENOMEM, EIO/EUCLEAN when the root is unreadable.
 */
int	hammer2_fmap_bulkfree(struct hammer2_fmap *fm, struct hammer2_vol *vol,
	    struct hammer2_bulkfree_stats *st);

#endif /* !_FS_HAMMER2_HAMMER2_FMAP_H_ */
