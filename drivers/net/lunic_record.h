/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lunic's handover record: what freeze() in one kernel writes and
 * retrieve() in the next reads, through the PCI live update core (which
 * adds the CRC, IDs, driver name and LUNIC_RECORD_VERSION around it).
 *
 * An ABI between two kernels: any change to the layout or to the meaning
 * of a field bumps LUNIC_RECORD_VERSION, and the next kernel then refuses
 * the old record and cold-probes. Native byte order: both kernels run on
 * the same machine. No implicit padding (the assert).
 */
#ifndef _LUNIC_RECORD_H
#define _LUNIC_RECORD_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/if_ether.h>
#include <linux/types.h>

#define LUNIC_RECORD_VERSION	1

/* freeze() stopped in the middle of a frame spanning several buffers */
#define LUNIC_REC_RX_MIDFRAME	BIT(0)

/**
 * struct lunic_record - a running 82574L, to be found again
 * @mac: the station address, the NIC's identity
 * @reserved: zero
 * @mtu: the net_device's MTU
 * @rctl: the RCTL register: receiver on, lunic's buffer layout
 * @tctl: the TCTL register: transmitter on
 * @rx_count: RX descriptors in the ring
 * @tx_count: TX descriptors in the ring
 * @rx_next_to_clean: the first RX descriptor the driver has not consumed
 * @rdt: the RDT register: the last RX descriptor given to the NIC
 * @tdt: the TDT register, equal to TDH: freeze() drained the TX ring
 * @flags: LUNIC_REC_RX_MIDFRAME
 * @rx_ring_dma: RX descriptor ring bus address
 * @rx_bufs_dma: RX buffers bus address, one 2 KiB buffer per descriptor
 * @tx_ring_dma: TX descriptor ring bus address
 *
 * The receiver keeps running into the preserved buffers while the next
 * kernel boots; retrieve() checks every field against the registers and
 * the preserved memory before it adopts the rings.
 */
struct lunic_record {
	u8 mac[ETH_ALEN];
	u16 reserved;
	u32 mtu;
	u32 rctl;
	u32 tctl;
	u32 rx_count;
	u32 tx_count;
	u32 rx_next_to_clean;
	u32 rdt;
	u32 tdt;
	u32 flags;
	u64 rx_ring_dma;
	u64 rx_bufs_dma;
	u64 tx_ring_dma;
};

static_assert(sizeof(struct lunic_record) == 72);

#endif /* _LUNIC_RECORD_H */
