"""Fixture stories, written for these tests: two fictional exits and one unrelated story."""

from __future__ import annotations

LOCKBOX_FIRST = [
    "Lockbox VPN said on Tuesday that it will pull its servers out of India.",
    "The company is leaving because a new rule from the national cyber agency would force "
    "VPN providers to log the names, addresses and IP addresses of their users for five years.",
    "The rule takes effect on June 27, and providers that refuse face prosecution.",
    "“We will not keep logs of what our users do, not in India and not anywhere else,” "
    "said Priya Raman, the head of policy at Lockbox.",
    "Customers in the country will still be able to connect through servers in Singapore.",
    "About 2 million users in India rely on the service, the company estimates.",
]
LOCKBOX_LATER = [
    "Lockbox VPN has now shut down the last of its Indian servers.",
    "The withdrawal was completed a week before the logging requirement came into force.",
    "Several other privacy companies later followed the same path.",
]
SIGNALCAST = [
    "Signalcast threatened to withdraw its messaging app from the United Kingdom.",
    "The government wants the power to require a backdoor that breaks end-to-end encryption.",
    "The company argued that a weakened system would put every user at risk.",
]
BAKERY = [
    "A family bakery in Leeds opened its third shop this weekend.",
    "The owners said the new shop would sell bread and pastries every morning.",
]
