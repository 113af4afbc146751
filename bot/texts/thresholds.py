"""Texts of the FTP offer: the estimate, the efforts it rests on, and what a tap changes."""

from __future__ import annotations

from bot.texts.reports import duration_label
from coach import i18n
from coach.ftp_offer import FtpOffer
from coach.i18n import t


def ftp_offer(offer: FtpOffer) -> str:
    if offer.current_ftp_w:
        change = (offer.ftp_w - offer.current_ftp_w) / offer.current_ftp_w * 100
        head = t(
            "Your recent efforts put your FTP at about <b>{ftp} W</b>; you have {current} W set ({change} %).",
            ftp=offer.ftp_w,
            current=offer.current_ftp_w,
            change=format(change, "+.0f"),
        )
    else:
        head = t("Your recent efforts put your FTP at about <b>{ftp} W</b>; you have no FTP set.", ftp=offer.ftp_w)
    lines = [
        head,
        "",
        t(
            "Critical power {cp} W and W′ {w_prime} kJ, fitted to your best efforts of the last 90 days "
            "(FTP ≈ critical power / 1.04):",
            cp=format(offer.cp_w, ".0f"),
            w_prime=i18n.number(offer.w_prime_j / 1000, 1),
        ),
    ]
    lines += [
        t(
            "• {duration}: {power} W on {day}",
            duration=duration_label(e.duration_s),
            power=format(e.power_w, ".0f"),
            day=i18n.when(e.day, "%-d %b"),
        )
        for e in offer.efforts
    ]
    if offer.ftp_from_20min_w is not None:
        lines += [
            "",
            t("Cross-check: 95 % of your best 20 minutes is {ftp} W.", ftp=format(offer.ftp_from_20min_w, ".0f")),
        ]
    lines += ["", t("Your planned sessions' watts follow your FTP. I won't ask again about this estimate.")]
    return "\n".join(lines)


def ftp_offer_button(ftp_w: int) -> str:
    return t("Update FTP to {ftp} W", ftp=ftp_w)


def ftp_updated(ftp_w: int) -> str:
    return t(
        "Done: your FTP is now {ftp} W. Every planned session from now on uses it; past workouts keep theirs.",
        ftp=ftp_w,
    )
