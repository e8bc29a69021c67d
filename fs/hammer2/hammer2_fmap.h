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
 * one fmap.  The walks (load, recover, bulkfree) read with hammer2_walk,
 * straight through io_ops->read (not the block cache), so they take no
 * lock; they may block in read, as flush may in write and every call in
 * alloc.  Implementation: hammer2_fmap.c, hammer2_bulkfree.c;
 * docs/hammer2.md, "The freemap writer".
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
 * Context: thread; may block in io_ops->read and alloc.
 * Returns 0 and *fmp, EIO/EUCLEAN (a leaf or node fails its check, or
 * is not a freemap block of a known level inside the volume), ENOMEM,
 * EFBIG (a volume past 32 PB: the GB table would need more than 64 KB
 * of chunk pointers).
 */
int	hammer2_fmap_load(struct hammer2_vol *vol,
	    struct hammer2_volume_data *vd, struct hammer2_fmap **fmp);
/* Free fm (an open transaction is dropped).  Context: thread; no block. */
void	hammer2_fmap_destroy(struct hammer2_fmap *fm);

/*
 * hammer2_fmap_alloc - allocate bytes (a power of 2, 1 KB..64 KB) for a
 * block of bref type `type` (which picks the segment class).  Never below
 * allocator_beg, in the first 4 MB of a GB, past the volume, or across a
 * 16 KB (smaller blocks) or 64 KB boundary.  Segments of the type's
 * own class (or free ones) are tried first, from where the type last
 * allocated, over the whole volume (leaves are made as the search
 * reaches them); mixed segments only when none has room.
 * Context: thread, under the owner's mount lock; may block in alloc.
 * Returns 0 and *data_offp (offset | radix, ready for a bref), EINVAL
 * (bad size, or a type other than INODE, INDIRECT, DATA, DIRENT),
 * ENOSPC, ENOMEM (a new leaf or a transaction snapshot).
 */
int	hammer2_fmap_alloc(struct hammer2_fmap *fm, int type, size_t bytes,
	    uint64_t *data_offp);

/*
 * hammer2_fmap_mark - make the 16 KB blocks under data_off (offset |
 * radix) allocated, creating the leaf if needed; a linear offset
 * inside them is pushed past the block.  A block at or above
 * allocator_beg is marked; one below it (and radix 0) is ignored.
 * Returns 0, ENOMEM, or EUCLEAN (reported) when data_off lies outside
 * the volume or in a reserved 4 MB, crosses 64 KB or has a radix
 * outside 10..16.
 * Context: thread, under the owner's mount lock; may block in alloc.
 */
int	hammer2_fmap_mark(struct hammer2_fmap *fm, uint64_t data_off);

/* Free bytes as the freemap counts them (allocator_free).  Context: any. */
uint64_t hammer2_fmap_avail(const struct hammer2_fmap *fm);

/*
 * Undo log.  Between txn_begin and txn_commit every change to a leaf
 * (allocation or mark) is recorded; txn_abort puts back exactly the state
 * at txn_begin (bitmaps, linear, class, avail, allocator_free, which
 * leaves exist).  A flush inside the transaction is undone too: every
 * leaf and node bref, and vd's freemap_blockset and freemap_tid, come
 * back, so the next flush writes the same rotation slots again.
 * Transactions do not nest: txn_begin inside one does nothing, and
 * commit or abort outside one does nothing.
 * Context: thread, under the owner's mount lock; never blocks.
 */
void	hammer2_fmap_txn_begin(struct hammer2_fmap *fm);
void	hammer2_fmap_txn_commit(struct hammer2_fmap *fm);
void	hammer2_fmap_txn_abort(struct hammer2_fmap *fm);

/*
 * hammer2_fmap_flush - write every leaf and node changed since the last
 * flush (or load) to its next rotation slot with mirror_tid = tid, and
 * rebuild vd->freemap_blockset (FREEMAP check codes, bigmask, avail)
 * and set vd->freemap_tid = tid.  Leaves sit directly in the volume
 * header while there are at most 4; otherwise the tree gets the fewest
 * node levels whose top level has at most 4 blocks (8.1).  A node is
 * rewritten only when its table changes.  Leaf hints: bigmask as the
 * allocator left it, avail as set when the leaf was made (8.1: not
 * updated on allocation); a node's hints are its children's OR and sum.
 * Context: thread, under the owner's mount lock; may block in write.
 * Returns 0, EROFS (no io_ops->write), ENOMEM, or an errno from
 * io_ops->write (the fmap is then unchanged in memory and a later flush
 * writes it again).
 */
int	hammer2_fmap_flush(struct hammer2_fmap *fm, uint64_t tid);

/*
 * hammer2_fmap_recover - mount-time recovery (11.4): walk the topology
 * of the fmap's header (vd->sroot_blockset; vol is only read through)
 * and mark every block whose bref has mirror_tid greater than
 * vd->freemap_tid, descending only into such blocks.  A block whose
 * check fails is still marked, but not descended.
 * Context: thread, under the owner's mount lock; may block in read.
 * Returns 0, ENOMEM, EIO/EUCLEAN only when the root itself is
 * unreadable (bad blocks further down are skipped).
 */
int	hammer2_fmap_recover(struct hammer2_fmap *fm, struct hammer2_vol *vol);


/*
 * hammer2_fmap_bulkfree - one bulkfree pass (8.6): walk the whole
 * topology of the fmap's header (vd->sroot_blockset: every PFS and
 * snapshot as on media, so the caller flushes first; vol is only read
 * through), then merge into the live freemap pair by pair: unreferenced
 * 11 -> 10, unreferenced 10 -> 00 (+16 KB to the segment's avail and
 * allocator_free), referenced -> 11 (a live 00 is a conflict: counted,
 * reported as a note, and taken off the free counts).  Space below
 * allocator_beg, reserved segments and segments past the end are never
 * touched.  Segments left empty go back to class 0, avail 4 MB, linear
 * 0; linear is pushed to a 16 KB boundary when its block is not 11.
 * Changed leaves get bigmask -1.  When the walk met a bad block
 * (st->bad), what lay under it is unknown, so the pass stages but frees
 * nothing.
 * Context: thread, under the owner's mount lock; may block in read.
 * Returns 0 and *st, ENOMEM, EIO/EUCLEAN when the root is unreadable.
 */
int	hammer2_fmap_bulkfree(struct hammer2_fmap *fm, struct hammer2_vol *vol,
	    struct hammer2_bulkfree_stats *st);

#endif /* !_FS_HAMMER2_HAMMER2_FMAP_H_ */
