-- 分管领导: the unit's leader in charge of the work, printed on the 催报名单 beside its contact so
-- the office knows whom to call when the clerk does not answer. Nullable: the registry may not say.
ALTER TABLE units ADD COLUMN leader VARCHAR;
