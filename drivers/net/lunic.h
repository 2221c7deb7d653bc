/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lunic: driver for the Intel 82574L (QEMU "-device e1000e") that keeps the
 * NIC running across a kexec live update (see Documentation/lunic.rst).
 *
 * main.c     probe / retrieve / freeze / shutdown / remove and the record
 * sw.c       software state shared by probe and retrieve; registers only to
 *            route interrupt causes to this kernel's vectors
 * hw.c       register sequences: reset, configuration, link, statistics
 * ring.c     descriptor rings, NAPI, interrupt handlers
 * netdev.c   net_device_ops
 * ethtool.c  ethtool_ops
 * lunic_record.h  the handover record: an ABI between two kernels
 */
#ifndef _LUNIC_H
#define _LUNIC_H

#include <linux/io.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/pci_lu_driver.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

#include "lunic_hw.h"
#include "lunic_record.h"

#define LUNIC_NAME		"lunic"
#define LUNIC_RING_DEFAULT	256
#define LUNIC_RING_MIN		128
#define LUNIC_RING_MAX		4096
#define LUNIC_RX_BUF_SIZE	2048	/* RCTL.BSIZE = 0 */
#define LUNIC_MAX_FRAME		9018	/* largest frame the 82574 takes */
#define LUNIC_MAX_MTU		(LUNIC_MAX_FRAME - ETH_HLEN - ETH_FCS_LEN)
#define LUNIC_ITR_DEFAULT	195	/* 256 ns units: ~20000 interrupts/s */
/* Descriptors a packet usually needs: context, head, fragments, slack */
#define LUNIC_TX_DESC_NEEDED	(MAX_SKB_FRAGS + 4)
/* Largest buffer one TX descriptor may carry */
#define LUNIC_MAX_PER_TXD	8192

/* Preserved memory tags, see pci_lu_alloc() */
#define LUNIC_TAG_RX_RING	"rx-ring"
#define LUNIC_TAG_TX_RING	"tx-ring"
#define LUNIC_TAG_RX_BUFS	"rx-bufs"

struct lunic_tx_buf {
	struct sk_buff *skb;	/* on the buffer of the packet's last desc */
	dma_addr_t dma;
	u32 len;
	bool page;		/* mapped with skb_frag_dma_map() */
	u16 last;		/* index of the packet's last descriptor */
	u32 bytes;
};

struct lunic_ring_stats {
	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
};

struct lunic_tx_ring {
	struct lunic_tx_desc *desc;	/* preserved */
	dma_addr_t dma;
	struct lunic_tx_buf *buf;
	unsigned int count;
	unsigned int next_to_use;
	unsigned int next_to_clean;
	u32 ctx;			/* checksum context loaded, 0 if none */
	struct lunic_ring_stats stats;
};

/*
 * RX buffer i is always rx_bufs + i * LUNIC_RX_BUF_SIZE, in preserved
 * memory: the device may fill it while the next kernel boots. Frames are
 * copied out to the stack, so the buffers never leave the ring.
 */
struct lunic_rx_ring {
	struct lunic_rx_desc *desc;	/* preserved */
	dma_addr_t dma;
	void *bufs;			/* preserved */
	dma_addr_t bufs_dma;
	unsigned int count;
	unsigned int next_to_clean;	/* first descriptor not yet seen */
	struct sk_buff *skb;		/* frame spanning several buffers */
	bool discard;			/* skip buffers up to the next EOP */
	struct lunic_ring_stats stats;
	u64 csum_err;
	u64 dropped;
};

struct lunic_adapter {
	struct net_device *netdev;
	struct pci_dev *pdev;
	void __iomem *regs;
	struct napi_struct napi;
	struct delayed_work kick;	/* first poll once the interface is up */
	struct lunic_tx_ring tx;
	struct lunic_rx_ring rx;

	int nvec;
	bool up;		/* NAPI and TX queue running (lunic_up()) */
	bool msix;		/* vectors: RX, TX, other causes (link) */
	u32 ims_queues;		/* IMS bits of the queue causes in this mode */
	u32 rctl;		/* RCTL as last written */
	u32 msg_enable;

	spinlock_t stats_lock;	/* hw_stats */
	u64 *hw_stats;
	struct pci_lu_fault *fault;	/* test hooks, see lunic_record_damage() */
};

static inline u32 lunic_rd(struct lunic_adapter *ad, u32 reg)
{
	return readl(ad->regs + reg);
}

static inline void lunic_wr(struct lunic_adapter *ad, u32 reg, u32 val)
{
	writel(val, ad->regs + reg);
}

static inline void lunic_flush(struct lunic_adapter *ad)
{
	readl(ad->regs + LUNIC_STATUS);
}

/* main.c */
extern const char * const lunic_record_faults[];
extern const unsigned int lunic_nr_record_faults;
int lunic_record_check(struct lunic_adapter *ad,
		       const struct lunic_record *rec, size_t len);

/* sw.c */
struct lunic_adapter *lunic_sw_alloc(struct pci_dev *pdev);
int lunic_rings_alloc(struct lunic_adapter *ad, unsigned int rx_count,
		      unsigned int tx_count);
int lunic_rings_restore(struct lunic_adapter *ad,
			const struct lunic_record *rec);
void lunic_rings_free(struct lunic_adapter *ad);
int lunic_irq_setup(struct lunic_adapter *ad);
int lunic_register(struct lunic_adapter *ad);

/* hw.c */
int lunic_hw_reset(struct lunic_adapter *ad);
void lunic_hw_init(struct lunic_adapter *ad);
void lunic_hw_read_mac(struct lunic_adapter *ad, u8 *mac);
void lunic_hw_set_mac(struct lunic_adapter *ad, const u8 *mac);
void lunic_hw_get_mac(struct lunic_adapter *ad, u8 *mac);
void lunic_hw_start_link(struct lunic_adapter *ad);
void lunic_hw_rx_ring_program(struct lunic_adapter *ad);
void lunic_hw_tx_ring_program(struct lunic_adapter *ad);
void lunic_hw_enable_dma(struct lunic_adapter *ad);
void lunic_hw_stop_dma(struct lunic_adapter *ad);
void lunic_hw_irq_program(struct lunic_adapter *ad);
void lunic_hw_irq_mask(struct lunic_adapter *ad);
void lunic_hw_irq_unmask_other(struct lunic_adapter *ad);
void lunic_hw_update_rx_mode(struct lunic_adapter *ad);
u32 lunic_hw_rx_mode(struct net_device *netdev);
bool lunic_hw_link_up(struct lunic_adapter *ad);
void lunic_hw_update_link(struct lunic_adapter *ad);
int lunic_hw_link_speed(struct lunic_adapter *ad);

/* ring.c */
void lunic_rx_ring_init(struct lunic_adapter *ad);
void lunic_tx_ring_init(struct lunic_adapter *ad, unsigned int tail);
void lunic_tx_clean_all(struct lunic_adapter *ad);
void lunic_rx_drop_partial(struct lunic_adapter *ad);
int lunic_tx_drain(struct lunic_adapter *ad);
netdev_tx_t lunic_xmit(struct sk_buff *skb, struct net_device *netdev);
int lunic_poll(struct napi_struct *napi, int budget);
irqreturn_t lunic_intr_queues(int irq, void *data);
irqreturn_t lunic_intr_other(int irq, void *data);
irqreturn_t lunic_intr_single(int irq, void *data);
void lunic_irq_enable_queues(struct lunic_adapter *ad);

/* netdev.c */
extern const struct net_device_ops lunic_netdev_ops;
void lunic_up(struct lunic_adapter *ad);
void lunic_down(struct lunic_adapter *ad);
void lunic_quiesce(struct lunic_adapter *ad);
void lunic_irq_sync(struct lunic_adapter *ad);
void lunic_kick(struct work_struct *work);

/* ethtool.c */
extern const struct ethtool_ops lunic_ethtool_ops;
unsigned int lunic_num_hw_stats(void);
void lunic_hw_stats_update(struct lunic_adapter *ad);

#endif /* _LUNIC_H */
