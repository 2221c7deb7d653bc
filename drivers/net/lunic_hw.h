/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel 82574L (QEMU "e1000e") registers and descriptors used by lunic.
 *
 * Offsets and bit positions follow the 82574 GbE Controller Family
 * datasheet; only what the driver uses is listed.
 */
#ifndef _LUNIC_HW_H
#define _LUNIC_HW_H

#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/types.h>

/* General control and status */
#define LUNIC_CTRL		0x0000
#define  LUNIC_CTRL_FD		BIT(0)
#define  LUNIC_CTRL_LRST	BIT(3)
#define  LUNIC_CTRL_ASDE	BIT(5)
#define  LUNIC_CTRL_SLU		BIT(6)
#define  LUNIC_CTRL_ILOS	BIT(7)
#define  LUNIC_CTRL_FRCSPD	BIT(11)
#define  LUNIC_CTRL_FRCDPX	BIT(12)
#define  LUNIC_CTRL_RST		BIT(26)
#define  LUNIC_CTRL_RFCE	BIT(27)
#define  LUNIC_CTRL_TFCE	BIT(28)
#define  LUNIC_CTRL_VME		BIT(30)
#define  LUNIC_CTRL_PHY_RST	BIT(31)
#define LUNIC_STATUS		0x0008
#define  LUNIC_STATUS_FD	BIT(0)
#define  LUNIC_STATUS_LU	BIT(1)
#define  LUNIC_STATUS_SPEED	GENMASK(7, 6)
#define LUNIC_EERD		0x0014
#define  LUNIC_EERD_START	BIT(0)
#define  LUNIC_EERD_DONE	BIT(1)
#define  LUNIC_EERD_ADDR	GENMASK(15, 2)
#define  LUNIC_EERD_DATA	GENMASK(31, 16)
#define LUNIC_CTRL_EXT		0x0018
#define  LUNIC_CTRL_EXT_IAME	BIT(27)
#define  LUNIC_CTRL_EXT_DRV_LOAD BIT(28)
#define  LUNIC_CTRL_EXT_EIAME	BIT(24)
#define  LUNIC_CTRL_EXT_PBA_CLR	BIT(31)
#define LUNIC_MDIC		0x0020
#define  LUNIC_MDIC_DATA	GENMASK(15, 0)
#define  LUNIC_MDIC_REG		GENMASK(20, 16)
#define  LUNIC_MDIC_PHY		GENMASK(25, 21)
#define  LUNIC_MDIC_OP_WRITE	BIT(26)
#define  LUNIC_MDIC_OP_READ	BIT(27)
#define  LUNIC_MDIC_READY	BIT(28)
#define  LUNIC_MDIC_ERROR	BIT(30)
#define LUNIC_FCAL		0x0028
#define LUNIC_FCAH		0x002c
#define LUNIC_FCT		0x0030
#define LUNIC_VET		0x0038
#define LUNIC_FCTTV		0x0170

/* Interrupts */
#define LUNIC_ICR		0x00c0
#define LUNIC_ITR		0x00c4
#define LUNIC_IMS		0x00d0
#define LUNIC_IMC		0x00d8
#define LUNIC_IAM		0x00e0
#define LUNIC_EIAC		0x00dc
#define LUNIC_IVAR		0x00e4
#define LUNIC_EITR(n)		(0x00e8 + 4 * (n))
#define  LUNIC_INT_TXDW		BIT(0)
#define  LUNIC_INT_LSC		BIT(2)
#define  LUNIC_INT_RXDMT0	BIT(4)
#define  LUNIC_INT_RXO		BIT(6)
#define  LUNIC_INT_RXT0		BIT(7)
#define  LUNIC_INT_RXQ0		BIT(20)
#define  LUNIC_INT_TXQ0		BIT(22)
#define  LUNIC_INT_OTHER	BIT(24)
#define  LUNIC_INT_ASSERTED	BIT(31)
#define  LUNIC_INT_ALL		GENMASK(31, 0)
/* IVAR: 4-bit entries {vector[2:0], valid[3]} for RxQ0, RxQ1, TxQ0, TxQ1,
 * other causes; bit 31 asks for a TX interrupt on every write-back.
 */
#define  LUNIC_IVAR_VALID	BIT(3)
#define  LUNIC_IVAR_RXQ0	GENMASK(3, 0)
#define  LUNIC_IVAR_TXQ0	GENMASK(11, 8)
#define  LUNIC_IVAR_OTHER	GENMASK(19, 16)
#define  LUNIC_IVAR_TX_EVERY_WB	BIT(31)

/* Receive */
#define LUNIC_RCTL		0x0100
#define  LUNIC_RCTL_EN		BIT(1)
#define  LUNIC_RCTL_SBP		BIT(2)
#define  LUNIC_RCTL_UPE		BIT(3)
#define  LUNIC_RCTL_MPE		BIT(4)
#define  LUNIC_RCTL_LPE		BIT(5)
#define  LUNIC_RCTL_LBM		GENMASK(7, 6)
#define  LUNIC_RCTL_RDMTS	GENMASK(9, 8)
#define  LUNIC_RCTL_DTYP	GENMASK(11, 10)
#define  LUNIC_RCTL_MO		GENMASK(13, 12)
#define  LUNIC_RCTL_BAM		BIT(15)
#define  LUNIC_RCTL_BSIZE	GENMASK(17, 16)	/* 0: 2048 bytes */
#define  LUNIC_RCTL_VFE		BIT(18)
#define  LUNIC_RCTL_BSEX	BIT(25)
#define  LUNIC_RCTL_SECRC	BIT(26)
/*
 * RCTL as lunic runs it: always these, plus LPE, UPE or MPE from the MTU and
 * the rx mode. Everything else clear: 2 KiB legacy buffers (BSIZE 0, BSEX
 * and DTYP clear, the layout the receive ring assumes), no loopback.
 */
#define LUNIC_RCTL_ALWAYS	(LUNIC_RCTL_EN | LUNIC_RCTL_BAM | LUNIC_RCTL_SECRC)
#define LUNIC_RCTL_MODE		(LUNIC_RCTL_LPE | LUNIC_RCTL_UPE | LUNIC_RCTL_MPE)

#define LUNIC_RDBAL		0x2800
#define LUNIC_RDBAH		0x2804
#define LUNIC_RDLEN		0x2808
#define LUNIC_RDH		0x2810
#define LUNIC_RDT		0x2818
#define LUNIC_RDTR		0x2820
#define LUNIC_RXDCTL		0x2828
#define LUNIC_RADV		0x282c
#define  LUNIC_XDCTL_WTHRESH	GENMASK(21, 16)
#define  LUNIC_XDCTL_COUNT_DESC	BIT(22)	/* 82574 errata: must be set */
#define  LUNIC_XDCTL_GRAN	BIT(24)
#define LUNIC_RXCSUM		0x5000
#define  LUNIC_RXCSUM_IPOFL	BIT(8)
#define  LUNIC_RXCSUM_TUOFL	BIT(9)
#define  LUNIC_RXCSUM_PCSD	BIT(13)
#define LUNIC_RFCTL		0x5008
#define  LUNIC_RFCTL_EXTEN	BIT(15)
#define  LUNIC_RFCTL_ISCSI_DIS	BIT(0)
#define  LUNIC_RFCTL_NFSW_DIS	BIT(6)
#define  LUNIC_RFCTL_NFSR_DIS	BIT(7)
#define  LUNIC_RFCTL_ACK_DIS	BIT(12)
#define  LUNIC_RFCTL_EXTEN	BIT(15)
#define LUNIC_MTA(n)		(0x5200 + 4 * (n))
#define  LUNIC_MTA_NUM		128
#define LUNIC_RAL(n)		(0x5400 + 8 * (n))
#define LUNIC_RAH(n)		(0x5404 + 8 * (n))
#define  LUNIC_RAH_AV		BIT(31)
#define  LUNIC_RA_NUM		16
#define LUNIC_VFTA(n)		(0x5600 + 4 * (n))
#define  LUNIC_VFTA_NUM		128
#define LUNIC_MRQC		0x5818

/* Transmit */
#define LUNIC_TCTL		0x0400
#define  LUNIC_TCTL_EN		BIT(1)
#define  LUNIC_TCTL_PSP		BIT(3)
#define  LUNIC_TCTL_CT		GENMASK(11, 4)
#define  LUNIC_TCTL_COLD	GENMASK(21, 12)
#define  LUNIC_TCTL_RTLC	BIT(24)
/* The transmitter as lunic runs it: padding, collision values of full duplex. */
#define LUNIC_TCTL_RUN		(LUNIC_TCTL_EN | LUNIC_TCTL_PSP | \
				 FIELD_PREP(LUNIC_TCTL_CT, 0x0f) | \
				 FIELD_PREP(LUNIC_TCTL_COLD, 0x3f) | \
				 LUNIC_TCTL_RTLC)
#define LUNIC_TIPG		0x0410
#define LUNIC_TDBAL		0x3800
#define LUNIC_TDBAH		0x3804
#define LUNIC_TDLEN		0x3808
#define LUNIC_TDH		0x3810
#define LUNIC_TDT		0x3818
#define LUNIC_TIDV		0x3820
#define LUNIC_TXDCTL		0x3828
#define LUNIC_TADV		0x382c
#define LUNIC_TARC0		0x3840
#define  LUNIC_TARC_COUNT	GENMASK(6, 0)
#define  LUNIC_TARC_ENABLE	BIT(10)	/* queue 0 transmits only if set */
#define  LUNIC_TARC_ERRATA	GENMASK(26, 23)
#define LUNIC_PBA		0x1000

/* Wake-up: lunic does not arm wake-on-LAN */
#define LUNIC_WUC		0x5800
#define LUNIC_WUFC		0x5808

/* PHY (MII) */
#define LUNIC_PHY_ADDR		1

/* Legacy receive descriptor (RFCTL.EXTEN = 0) */
struct lunic_rx_desc {
	__le64 addr;		/* buffer, kept by the write-back */
	__le16 length;		/* bytes written to this buffer */
	__le16 csum;
	u8 status;
	u8 errors;
	__le16 special;
};

static_assert(sizeof(struct lunic_rx_desc) == 16);
#define LUNIC_RXD_STAT_DD	BIT(0)
#define LUNIC_RXD_STAT_EOP	BIT(1)
#define LUNIC_RXD_STAT_IXSM	BIT(2)
#define LUNIC_RXD_STAT_UDPCS	BIT(4)
#define LUNIC_RXD_STAT_TCPCS	BIT(5)
#define LUNIC_RXD_STAT_IPCS	BIT(6)
#define LUNIC_RXD_ERR_FRAME	(BIT(0) | BIT(1) | BIT(2) | BIT(7))
#define LUNIC_RXD_ERR_TCPE	BIT(5)
#define LUNIC_RXD_ERR_IPE	BIT(6)

/* Extended transmit data descriptor (DEXT = 1, DTYP = 1) */
struct lunic_tx_desc {
	__le64 addr;
	__le32 cmd_len;		/* length[19:0], DTYP[23:20], DCMD[31:24] */
	__le32 status_opts;	/* STA[3:0], POPTS[15:8], special[31:16] */
};

static_assert(sizeof(struct lunic_tx_desc) == 16);

/* Transmit context descriptor (DEXT = 1, DTYP = 0): checksum offsets */
struct lunic_tx_ctx_desc {
	u8 ipcss;
	u8 ipcso;
	__le16 ipcse;
	u8 tucss;		/* L4 checksum start */
	u8 tucso;		/* where the L4 checksum goes */
	__le16 tucse;		/* 0: to the end of the packet */
	__le32 cmd_len;		/* PAYLEN[19:0], DTYP[23:20], TUCMD[31:24] */
	u8 status;
	u8 hdr_len;
	__le16 mss;
};

static_assert(sizeof(struct lunic_tx_ctx_desc) == 16);

#define LUNIC_TXD_LEN		GENMASK(19, 0)
#define LUNIC_TXD_DTYP_DATA	BIT(20)
#define LUNIC_TXD_CMD_EOP	BIT(24)
#define LUNIC_TXD_CMD_IFCS	BIT(25)
#define LUNIC_TXD_CMD_TCP	BIT(24)	/* context descriptor: L4 is TCP */
#define LUNIC_TXD_CMD_IP	BIT(25)	/* context descriptor: L3 is IPv4 */
#define LUNIC_TXD_CMD_TSE	BIT(26)
#define LUNIC_TXD_CMD_RS	BIT(27)
#define LUNIC_TXD_CMD_DEXT	BIT(29)
#define LUNIC_TXD_STAT_DD	BIT(0)
#define LUNIC_TXD_POPTS_IXSM	BIT(8)
#define LUNIC_TXD_POPTS_TXSM	BIT(9)

#endif /* _LUNIC_HW_H */
