"""The placement lifecycle that auctions (App.7) and subscriptions (App.8) share: filing and the
exchange's review, sealed bids with idempotency, custodian confirmation, the status vocabulary,
and the shared pieces of their pages and API. Each kind of offering says what differs through an
`OfferingKind` (app.placement.kind); neither app.auctions nor app.subscriptions imports the other."""
