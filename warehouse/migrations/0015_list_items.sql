-- Issue 18: named lists behind indicator numbers (名单). An indicator may be backed by a list type
-- (enterprise, platform, talent, project, outcome); the unit then reports one row per item in the
-- type's list sheet, stored here keyed to the submission like indicator values. Only an accepted
-- upload stores its items, and only an approved submission's items are the unit's standing list.
ALTER TABLE indicators ADD COLUMN backed_by VARCHAR;

CREATE TABLE list_items (
    submission_id BIGINT NOT NULL,
    unit VARCHAR NOT NULL,
    round VARCHAR NOT NULL,
    list_type VARCHAR NOT NULL,        -- ListType code
    indicator VARCHAR NOT NULL,        -- the indicator the row backs (指标编号)
    sheet_row INTEGER NOT NULL,        -- the row in the uploaded list sheet
    item_key VARCHAR NOT NULL,         -- 统一社会信用代码 for an enterprise, else 编号, else 名称
    name VARCHAR,
    stage VARCHAR,                     -- EnterpriseStage code (enterprise lists)
    district VARCHAR,                  -- 所在区县 (enterprise lists)
    total_investment DOUBLE,           -- project lists: 总投资(万元)
    quarter_investment DOUBLE,         -- 本季度投资完成额(万元)
    cumulative_investment DOUBLE,      -- 累计投资完成额(万元)
    progress VARCHAR,                  -- 形象进度
    fields VARCHAR,                    -- every column of the row as JSON (header → text)
    PRIMARY KEY (submission_id, list_type, sheet_row)
);
CREATE INDEX list_items_key ON list_items (round, indicator, item_key);
