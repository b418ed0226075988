/*
 * pfc.c - MAC Control frames, EtherType 0x8808 (IEEE 802.3 Annex 31B):
 * 802.3x PAUSE (opcode 0x0001, one pause time) and 802.1Qbb Priority-based
 * Flow Control (opcode 0x0101, class-enable vector, eight pause times).
 * Pause times are in quanta of 512 bit times; 0 means resume (XON). Only
 * the low octet of the class-enable vector is defined; high bits are noted.
 */
#include "dissect.h"

void pfc_dissect(struct dp_ctx *x)
{
	struct dpkt *d = x->d;
	const uint8_t *h = cur_take(&x->c, 2);

	if (!h) {
		dp_fail_cur(x, DP_C_PFC_TRUNC, DP_C_PFC_LEN);
		return;
	}
	struct dp_pfc *p = &d->pfc;
	p->opcode = rd_be16(h);
	p->cev = 0;
	memset(p->time, 0, sizeof(p->time));
	if (p->opcode == 0x0001) {
		const uint8_t *t = cur_take(&x->c, 2);
		if (!t) {
			dp_fail_cur(x, DP_C_PFC_TRUNC, DP_C_PFC_LEN);
			return;
		}
		p->time[0] = rd_be16(t);
		d->has_pfc = true;
		return;
	}
	if (p->opcode != 0x0101) {
		dp_fail(x, DP_C_MACCTL_OPCODE);
		return;
	}
	const uint8_t *t = cur_take(&x->c, 18);
	if (!t) {
		dp_fail_cur(x, DP_C_PFC_TRUNC, DP_C_PFC_LEN);
		return;
	}
	p->cev = rd_be16(t);
	for (unsigned i = 0; i < 8; i++)
		p->time[i] = rd_be16(t + 2 + 2 * i);
	if (p->cev & 0xff00)
		dp_event(x, DP_E_PFC_ENBV_HIGH);
	d->has_pfc = true;
}
