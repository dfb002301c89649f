-- Partner names are read in Unicode's composed form (NFC) from now on (displayNameSchema), so that
-- "café" typed with a combining accent and with the precomposed letter is one name, unique in its
-- store. Stored names are put in that form too, but for a name whose composed form the store already
-- has (a partner of that very name, or an older one of another spelling of it): that one is left as
-- it was stored, for the merchant to rename or delete, since two partners cannot share a name.
-- normalize() needs a UTF8 database; in another encoding the rows stay as they are.
DO $$
BEGIN
  IF current_setting('server_encoding') = 'UTF8' THEN
    WITH composed AS (
      SELECT DISTINCT ON ("store_id", normalize("name", NFC)) "id", normalize("name", NFC) AS "name"
      FROM "partner"
      WHERE "name" IS NOT NFC NORMALIZED
      ORDER BY "store_id", normalize("name", NFC), "created_at", "id"
    )
    UPDATE "partner" p SET "name" = c."name"
    FROM composed c
    WHERE p."id" = c."id"
      AND NOT EXISTS (SELECT FROM "partner" o WHERE o."store_id" = p."store_id" AND o."name" = c."name");
  END IF;
END
$$;
