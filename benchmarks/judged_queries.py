"""Judged practitioner queries over the demo library: each query and the items that answer it.

The first slug listed is the best answer; any listed slug counts as relevant. Searched as a PDM
(cleared), so confidential demo items can be judged too.
"""

JUDGED: list[tuple[str, list[str]]] = [
    (
        "housing after prison",
        [
            "finding-and-keeping-a-home-after-custody",
            "referring-to-cas3-temporary-accommodation",
            "beacon-housing-officer-three-way-meeting",
        ],
    ),
    ("cas3 referral", ["referring-to-cas3-temporary-accommodation"]),
    (
        "temporary accommodation",
        ["referring-to-cas3-temporary-accommodation", "finding-and-keeping-a-home-after-custody"],
    ),
    ("NFA", ["working-with-people-of-no-fixed-abode", "sfo-review-2025-11-nfa-case"]),
    (
        "no fixed abode lost contact",
        ["working-with-people-of-no-fixed-abode", "sfo-review-2025-11-nfa-case"],
    ),
    ("domestic abuse disclosure", ["responding-to-disclosures-of-domestic-abuse"]),
    (
        "DV",
        [
            "responding-to-disclosures-of-domestic-abuse",
            "sfo-review-2026-03-domestic-abuse-case",
            "refuge-and-safe-accommodation-contacts",
        ],
    ),
    ("refuge", ["refuge-and-safe-accommodation-contacts"]),
    (
        "crack cocaine",
        ["working-with-people-who-use-crack-cocaine", "beacon-crack-users-joint-clinic"],
    ),
    ("drugs", ["working-with-people-who-use-crack-cocaine", "beacon-crack-users-joint-clinic"]),
    ("universal credit after release", ["claiming-universal-credit-when-you-leave-prison"]),
    (
        "benefit sanction",
        [
            "debt-and-benefit-sanctions-first-steps",
            "beacon-debt-advice-drop-in-at-reporting-centre",
        ],
    ),
    (
        "debt advice",
        [
            "debt-and-benefit-sanctions-first-steps",
            "beacon-debt-advice-drop-in-at-reporting-centre",
        ],
    ),
    (
        "ETE",
        ["using-the-ete-referral-route", "hmip-inspection-2026-accommodation-and-ete-outcomes"],
    ),
    ("education training employment referral", ["using-the-ete-referral-route"]),
    ("accredited programmes", ["referring-to-accredited-programmes"]),
    (
        "sentence plan",
        [
            "writing-a-sentence-plan-with-the-person",
            "audit-sentence-plans-2026-q2",
            "beacon-sentence-plan-in-their-own-words",
        ],
    ),
    (
        "RoSH review",
        [
            "reviewing-rosh-when-circumstances-change",
            "beacon-same-day-risk-review-after-police-callout",
        ],
    ),
    (
        "risk of serious harm",
        ["reviewing-rosh-when-circumstances-change", "hmip-inspection-2026-keeping-people-safe"],
    ),
    (
        "suicide risk",
        [
            "suicide-and-self-harm-risk-in-supervision",
            "manager-review-missed-suicide-risk-indicators",
        ],
    ),
    ("self-harm", ["suicide-and-self-harm-risk-in-supervision"]),
    ("MAPPA", ["information-sharing-with-the-nps-police-and-mappa"]),
    (
        "information sharing police",
        [
            "information-sharing-with-the-nps-police-and-mappa",
            "audit-safeguarding-information-sharing-2026",
        ],
    ),
    ("home visit children", ["safeguarding-children-checks-and-home-visits"]),
    (
        "safeguarding children checks",
        [
            "safeguarding-children-checks-and-home-visits",
            "audit-safeguarding-information-sharing-2026",
        ],
    ),
    (
        "care proceedings",
        [
            "supporting-women-with-children-in-care-proceedings",
            "beacon-womens-centre-joint-supervision",
        ],
    ),
    (
        "women's centre",
        [
            "beacon-womens-centre-joint-supervision",
            "feedback-womens-centre-focus-group",
            "peer-review-womens-cases-2026",
        ],
    ),
    ("alcohol treatment requirement", ["alcohol-brief-advice-and-the-atr"]),
    ("sobriety tag", ["alcohol-brief-advice-and-the-atr"]),
    ("anger stress", ["managing-emotions-when-things-get-hard"]),
    ("pro-criminal attitudes", ["challenging-pro-criminal-attitudes-in-supervision"]),
    (
        "peer mentor",
        ["people-on-probation-network-peer-mentors", "beacon-peer-mentor-at-first-appointment"],
    ),
    (
        "first appointment",
        ["what-to-expect-from-supervision", "beacon-peer-mentor-at-first-appointment"],
    ),
    ("case involving a staff member", ["managing-cases-linked-to-staff-or-their-families"]),
    (
        "food bank",
        [
            "northshire-food-banks-and-community-fridges",
            "oldcastle-vale-food-bank-warehouse",
            "kettleby-green-allotments",
        ],
    ),
    (
        "unpaid work project",
        [
            "feedback-unpaid-work-exit-survey",
            "fennwick-canal-towpath-clearance",
            "kettleby-green-allotments",
        ],
    ),
    ("voluntary reparation", ["lowther-fen-nature-reserve-hedging", "saltmarsh-quay-beach-clean"]),
    ("SFO review", ["sfo-review-2025-11-nfa-case", "sfo-review-2026-03-domestic-abuse-case"]),
    ("inspection findings accommodation", ["hmip-inspection-2026-accommodation-and-ete-outcomes"]),
    ("staff wellbeing", ["feedback-staff-wellbeing-pulse-2026", "staff-practice-forum"]),
    ("new case manager", ["new-case-manager-buddy-scheme"]),
    ("housing options council", ["northshire-housing-options-partnership"]),
    ("waiting area safety", ["reporting-centre-waiting-area-feedback"]),
    ("gang associates", ["changing-who-you-spend-time-with"]),
]
