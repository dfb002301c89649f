-- Account ids are read in Unicode's composed form (NFC) from now on (AccountIdSchema), so that the
-- same account typed with a combining accent or a precomposed letter counts once towards
-- once-per-account limits. Ids stored before are put in that form too, so an account's earlier holds
-- keep counting and its order events keep matching. Only rows not already in NFC are rewritten (ASCII
-- ids never are). normalize() needs a UTF8 database; in another encoding the rows stay as they are.
DO $$
BEGIN
  IF current_setting('server_encoding') = 'UTF8' THEN
    UPDATE "reservation" SET "account_id" = normalize("account_id", NFC)
    WHERE "account_id" IS NOT NFC NORMALIZED;
  END IF;
END
$$;
