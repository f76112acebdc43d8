"""The sra.appliance lab: a simulator of BeyondTrust B Series appliances.

It implements the vendor's wire formats and the collection's management API on its own and
shares no code with the collection, so a mistake on one side fails a test on the other.
"""
