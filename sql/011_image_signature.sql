-- Schema version 11: the vendor's signature of a job's image (base64), sent
-- to the devices with the command; NULL: none.
ALTER TABLE jobs ADD COLUMN image_signature TEXT;
