-- URLs are no longer accepted with a user name or password (http://user:pass@host/v1): such a
-- credential was stored with the checkpoint or the run's judge and served by the API. Strip it
-- from every URL already stored; those requests now go without it (register the checkpoint
-- again with a key variable). strip_url_credentials is server/http/url-credentials.ts's
-- stripUrlCredentialsInText, registered by migrate.ts: only `scheme://userinfo@` is removed.
-- secure_delete overwrites the old text in the file instead of leaving it in free space.
PRAGMA secure_delete = ON;

UPDATE checkpoints SET base_url = strip_url_credentials(base_url) WHERE base_url LIKE '%://%@%';
UPDATE checkpoints SET base_urls = strip_url_credentials(base_urls) WHERE base_urls LIKE '%://%@%';
UPDATE checkpoints SET judge = json_set(judge, '$.spec', strip_url_credentials(json_extract(judge, '$.spec')))
WHERE json_valid(judge) AND json_extract(judge, '$.spec') LIKE '%://%@%';

UPDATE runs SET params = json_set(params, '$.judge.spec', strip_url_credentials(json_extract(params, '$.judge.spec')))
WHERE json_valid(params) AND json_extract(params, '$.judge.spec') LIKE '%://%@%';
UPDATE runs SET provenance = json_set(provenance,
    '$.endpoint.baseUrl', strip_url_credentials(json_extract(provenance, '$.endpoint.baseUrl')))
WHERE json_valid(provenance) AND json_extract(provenance, '$.endpoint.baseUrl') LIKE '%://%@%';
UPDATE runs SET provenance = json_set(provenance,
    '$.endpoint.baseUrls', json(strip_url_credentials(json_extract(provenance, '$.endpoint.baseUrls'))))
WHERE json_valid(provenance) AND json_extract(provenance, '$.endpoint.baseUrls') LIKE '%://%@%';
UPDATE runs SET provenance = json_set(provenance,
    '$.serving', json(strip_url_credentials(json_extract(provenance, '$.serving'))))
WHERE json_valid(provenance) AND json_extract(provenance, '$.serving') LIKE '%://%@%';
UPDATE runs SET error = strip_url_credentials(error) WHERE error LIKE '%://%@%';
UPDATE runs SET notes = strip_url_credentials(notes) WHERE notes LIKE '%://%@%';

UPDATE judge_cache SET judge = strip_url_credentials(judge) WHERE judge LIKE '%://%@%';
UPDATE judgments SET judge = strip_url_credentials(judge) WHERE judge LIKE '%://%@%';
UPDATE pairwise SET judge = strip_url_credentials(judge) WHERE judge LIKE '%://%@%';
UPDATE generation_cache SET generator = strip_url_credentials(generator) WHERE generator LIKE '%://%@%';

PRAGMA secure_delete = OFF;
