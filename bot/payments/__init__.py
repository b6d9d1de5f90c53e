"""Getting paid through a PSP: the Bacen API Pix adapter, charges with a txid, confirmations."""
