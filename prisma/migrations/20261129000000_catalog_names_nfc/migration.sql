-- Product ids and member groups are read in Unicode's composed form (NFC) from now on
-- (CatalogNameSchema), as account ids are, so that a cart's "café" typed with a combining accent
-- matches a campaign's with the precomposed letter. Campaigns stored before are put in that form too,
-- each list keeping its order and each name once (two spellings of one name become one). Only
-- campaigns holding a name not already in NFC are rewritten (ASCII names never are). normalize()
-- needs a UTF8 database; in another encoding the rows stay as they are.
DO $$
BEGIN
  IF current_setting('server_encoding') = 'UTF8' THEN
    UPDATE "campaign" SET
      "product_ids" = ARRAY(
        SELECT name FROM (
          SELECT normalize(given, NFC) AS name, min(position) AS first
          FROM unnest("product_ids") WITH ORDINALITY AS listed(given, position)
          GROUP BY 1
        ) AS names ORDER BY first),
      "member_groups" = ARRAY(
        SELECT name FROM (
          SELECT normalize(given, NFC) AS name, min(position) AS first
          FROM unnest("member_groups") WITH ORDINALITY AS listed(given, position)
          GROUP BY 1
        ) AS names ORDER BY first)
    WHERE EXISTS (SELECT FROM unnest("product_ids") AS given WHERE given IS NOT NFC NORMALIZED)
       OR EXISTS (SELECT FROM unnest("member_groups") AS given WHERE given IS NOT NFC NORMALIZED);
  END IF;
END
$$;
