-- Offices as data: the organisation tree (跨省区域 → 省 → 城市群 → 市 → 区县/开发区), one row per
-- node, named by its office as documents print it. Each plan belongs to one office (plans.office),
-- each unit to an organisation (units.org, an office code).
CREATE TABLE offices (
    code VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,        -- 办公室名称 as printed on documents
    short_name VARCHAR,
    parent VARCHAR,               -- NULL: a root of the tree
    level VARCHAR NOT NULL,       -- schemas.enums.OfficeLevel
    contact VARCHAR,
    phone VARCHAR,
    seal_text VARCHAR,            -- 落款: the issuing body's name at the foot of a document
    doc_prefix VARCHAR,           -- 文号前缀, e.g. 荆科创领办
    recipients VARCHAR,           -- 主送单位
    assumed BOOLEAN NOT NULL DEFAULT FALSE
);

ALTER TABLE plans ADD COLUMN office VARCHAR;
ALTER TABLE units ADD COLUMN org VARCHAR;

-- Before this version the platform modelled one office: every plan and unit was its. A warehouse
-- that already holds a registry gets that office as a row (marked assumed, to be renamed in the
-- registry workbook), and its plans and units belong to it; an empty warehouse gets nothing.
INSERT INTO offices (code, name, short_name, parent, level, assumed)
SELECT 'MAIN', '本平台办公室', '办公室', NULL, 'region', TRUE
WHERE EXISTS (SELECT 1 FROM plans) OR EXISTS (SELECT 1 FROM units);

UPDATE plans SET office = 'MAIN' WHERE office IS NULL;
UPDATE units SET org = 'MAIN' WHERE org IS NULL;
