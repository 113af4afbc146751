"""Texts of the FTP offer: the estimate, the efforts it rests on, and what a tap changes."""

from __future__ import annotations

from bot.texts.reports import duration_label
from coach.ftp_offer import FtpOffer


def ftp_offer(offer: FtpOffer) -> str:
    if offer.current_ftp_w:
        change = (offer.ftp_w - offer.current_ftp_w) / offer.current_ftp_w * 100
        head = (
            f"Your recent efforts put your FTP at about <b>{offer.ftp_w} W</b>; "
            f"you have {offer.current_ftp_w} W set ({change:+.0f} %)."
        )
    else:
        head = f"Your recent efforts put your FTP at about <b>{offer.ftp_w} W</b>; you have no FTP set."
    lines = [
        head,
        "",
        f"Critical power {offer.cp_w:.0f} W and W′ {offer.w_prime_j / 1000:.1f} kJ, fitted to your best efforts of "
        "the last 90 days (FTP ≈ critical power / 1.04):",
    ]
    lines += [f"• {duration_label(e.duration_s)}: {e.power_w:.0f} W on {e.day:%-d %b}" for e in offer.efforts]
    if offer.ftp_from_20min_w is not None:
        lines += ["", f"Cross-check: 95 % of your best 20 minutes is {offer.ftp_from_20min_w:.0f} W."]
    lines += ["", "Your planned sessions' watts follow your FTP. I won't ask again about this estimate."]
    return "\n".join(lines)


def ftp_offer_button(ftp_w: int) -> str:
    return f"Update FTP to {ftp_w} W"


def ftp_updated(ftp_w: int) -> str:
    return f"Done: your FTP is now {ftp_w} W. Every planned session from now on uses it; past workouts keep theirs."
