"""The demo plan registry (portal/demo/registry.json) is data transcribed from the five seed plans.

These tests pin its shape, its internal references and a set of facts read off the seeds, so the
data cannot silently drift from the source documents.
"""

import json
import re
from pathlib import Path

import pytest

REGISTRY_PATH = Path(__file__).resolve().parents[2] / "portal/demo/registry.json"
SEEDS_DIR = Path("/work/shared/seeds")

OFFICE_KEYS = {
    "code",
    "name",
    "short_name",
    "parent",
    "level",
    "contact",
    "phone",
    "seal_text",
    "doc_prefix",
    "recipients",
    "assumed",
    "webhook",
}
PLAN_KEYS = {"code", "name", "issuer", "start_year", "end_year", "base_year", "source", "office"}
UNIT_KEYS = {
    "code",
    "name",
    "kind",
    "parent",
    "contact",
    "phone",
    "active",
    "assumed",
    "org",
    "emails",
    "webhook",
}
TASK_KEYS = {
    "code",
    "plan",
    "number",
    "section",
    "title",
    "text",
    "lead_unit",
    "helper_units",
    "due_year",
    "weight",
    "units_assumed",
}
INDICATOR_KEYS = {
    "code",
    "plan",
    "task",
    "name",
    "measure_unit",
    "kind",
    "direction",
    "baseline_value",
    "baseline_year",
    "target_value",
    "target_year",
    "yearly_targets",
    "owner_units",
    "weight",
    "allow_negative",
    "units_assumed",
    "source_text",
    "backed_by",
}

OFFICE_LEVELS = {"region", "province", "cluster", "city", "district"}
UNIT_KINDS = {"region", "city", "district", "department", "park", "town", "company", "agency"}
INDICATOR_KINDS = {"stock", "flow", "cumulative", "rate", "milestone"}
DIRECTIONS = {">=", "<="}

# 荆州经开区科技创新三年行动方案, 三、主要工作任务: the 责任单位 of every task, in the order the seed
# names them (first = lead 牵头, the rest = helpers 配合).
JINGZHOU_RESPONSIBLE_UNITS = {
    "JZ-3.1.1": ["经发局", "招商促进中心", "创新创业服务中心", "各园区办"],
    "JZ-3.1.2": ["经发局", "招商促进中心", "创新创业服务中心", "各园区办"],
    "JZ-3.1.3": ["经发局", "招商促进中心", "创新创业服务中心", "各园区办"],
    "JZ-3.2.1": ["经发局", "税务局", "招商促进中心", "创新创业服务中心"],
    "JZ-3.2.2": ["经发局", "财政局", "市场监管局", "税务局", "招商促进中心", "创新创业服务中心"],
    "JZ-3.2.3": ["经发局", "市场监管局", "创新创业服务中心"],
    "JZ-3.3.1": ["各乡镇场(街道)", "创新创业服务中心"],
    "JZ-3.3.2": ["荆开集团", "创新创业服务中心"],
    "JZ-3.3.3": ["荆开集团", "各乡镇场(街道)", "招商促进中心", "创新创业服务中心"],
    "JZ-3.4.1": ["经发局", "创新创业服务中心"],
    "JZ-3.4.2": ["招商促进中心", "创新创业服务中心"],
    "JZ-3.4.3": ["市场监管局", "创新创业服务中心"],
    "JZ-3.5.1": ["党群工作部", "公共服务局", "创新创业服务中心"],
    "JZ-3.5.2": ["公共服务局"],
    "JZ-3.5.3": ["党群工作部", "公共服务局", "创新创业服务中心", "荆开集团"],
    "JZ-3.6.1": ["财政局", "经发局"],
    "JZ-3.6.2": ["财政局", "市场监管局"],
    "JZ-3.6.3": ["党群工作部", "市场监管局", "创新创业服务中心"],
}

CN_DIGITS = {c: i + 1 for i, c in enumerate("一二三四五六七八九十")}


@pytest.fixture(scope="module")
def registry():
    return json.loads(REGISTRY_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def units(registry):
    return {u["code"]: u for u in registry["units"]}


@pytest.fixture(scope="module")
def offices(registry):
    return {o["code"]: o for o in registry["offices"]}


@pytest.fixture(scope="module")
def plans(registry):
    return {p["code"]: p for p in registry["plans"]}


@pytest.fixture(scope="module")
def tasks(registry):
    return {t["code"]: t for t in registry["tasks"]}


@pytest.fixture(scope="module")
def indicators(registry):
    return {i["code"]: i for i in registry["indicators"]}


def _one(registry, plan, name):
    found = [i for i in registry["indicators"] if i["plan"] == plan and i["name"] == name]
    assert len(found) == 1, (plan, name, found)
    return found[0]


def _seed_text(plan):
    if not SEEDS_DIR.is_dir():
        pytest.skip("seed documents not available")
    return (SEEDS_DIR / plan["source"]).read_text(encoding="utf-8")


def _squash(text):
    return re.sub(r"\s+", "", text)


# ----------------------------------------------------------------------------- shape


def test_registry_has_exactly_the_six_tables_and_no_rounds(registry):
    assert set(registry) == {"offices", "plans", "units", "tasks", "indicators", "rounds"}
    assert registry["rounds"] == []


def test_every_row_has_exactly_the_agreed_fields(registry):
    for table, keys in [
        ("offices", OFFICE_KEYS),
        ("plans", PLAN_KEYS),
        ("units", UNIT_KEYS),
        ("tasks", TASK_KEYS),
        ("indicators", INDICATOR_KEYS),
    ]:
        for row in registry[table]:
            assert set(row) == keys, (table, row.get("code"))


def test_the_indicators_the_seeds_count_by_name_are_backed_by_lists(registry):
    backed = {i["code"]: i["backed_by"] for i in registry["indicators"] if i["backed_by"]}
    assert backed == {
        "XY-K04": "enterprise",  # 高新技术企业数
        "XY-K05": "platform",  # 省级以上双创孵化平台数
        "XY-K09": "enterprise",  # 瞪羚企业数
        "JZ-K01": "enterprise",  # 高新技术企业数
        "JZ-K03": "enterprise",  # 科技型中小企业总数
        "JZ-K21": "platform",  # 新增各类孵化平台
        "SY-K11": "platform",  # 新增院士专家工作站
        "SY-K17": "enterprise",  # 高新技术企业后备库入库企业数 (monitored, weight 0)
        "YY-K06": "enterprise",  # 高新技术企业数
    }
    # the demo's one double count: a platform both owners of JZ-K21 count
    owners = {i["code"]: i["owner_units"] for i in registry["indicators"]}
    assert owners["JZ-K21"] == ["JZKF-XZJD", "JZKF-KKJT"]


def test_codes_are_unique_within_each_table(registry):
    for table in ("offices", "plans", "units", "tasks", "indicators"):
        codes = [row["code"] for row in registry[table]]
        assert len(codes) == len(set(codes)), table


def test_the_five_seed_plans_are_registered_with_their_periods(plans):
    assert set(plans) == {"XY", "XYKX", "JZ", "SY", "YY"}
    for plan in plans.values():
        assert plan["end_year"] == 2025
        assert plan["start_year"] <= plan["end_year"]
        assert re.fullmatch(r"00[0-4]_[0-9a-f]{16}\.txt", plan["source"])
        assert plan["name"] and plan["issuer"]
    assert plans["YY"]["base_year"] == 2020
    assert (plans["JZ"]["start_year"], plans["JZ"]["base_year"]) == (2023, 2022)
    for code in ("XY", "XYKX", "JZ", "SY"):
        assert plans[code]["base_year"] == plans[code]["start_year"] - 1


# ----------------------------------------------------------------------------- units


def test_unit_codes_are_uppercase_ascii_and_prefixed_by_their_city(units):
    for code, unit in units.items():
        assert re.fullmatch(r"[A-Z0-9-]+", code), code
        if unit["parent"] not in (None, "CJZY"):
            assert code.startswith(unit["parent"].split("-")[0]), code


def test_unit_tree_has_exactly_one_root_and_no_cycles(units):
    roots = [code for code, unit in units.items() if unit["parent"] is None]
    assert roots == ["CJZY"]
    assert units["CJZY"]["kind"] == "region"
    for code in units:
        seen, node = set(), code
        while node is not None:
            assert node not in seen, f"cycle through {code}"
            seen.add(node)
            assert node in units, f"{code}: unknown ancestor {node}"
            node = units[node]["parent"]
        assert "CJZY" in seen


def test_cities_hang_under_the_region_and_the_jingzhou_district_under_jingzhou(units):
    cities = {code for code, u in units.items() if u["kind"] == "city"}
    assert cities == {"XY", "JZ", "SY", "YY"}
    assert all(units[c]["parent"] == "CJZY" for c in cities)
    assert units["JZKF"]["kind"] == "district" and units["JZKF"]["parent"] == "JZ"
    assert units["JZKF-YQB"]["name"] == "各园区办" and units["JZKF-YQB"]["kind"] == "park"
    assert units["JZKF-XZJD"]["name"] == "各乡镇场(街道)" and units["JZKF-XZJD"]["kind"] == "town"
    assert units["JZKF-KKJT"]["kind"] == "company"


def test_units_are_active_demo_contacts_with_fake_numbers(units):
    for code, unit in units.items():
        assert unit["kind"] in UNIT_KINDS, code
        assert unit["active"] is True
        assert isinstance(unit["assumed"], bool)
        assert "演示" in unit["contact"], code
        assert re.fullmatch(r"0\d{2,3}-5550\d{3}", unit["phone"]), code
    phones = [u["phone"] for u in units.values()]
    assert len(phones) == len(set(phones))


def test_every_unit_has_a_contact_email_on_a_reserved_domain_and_one_office_a_loopback_robot(units, offices):
    for code, unit in units.items():
        assert re.fullmatch(r"[a-z0-9-]+@example\.org", unit["emails"]), code
    robots = {code: o["webhook"] for code, o in offices.items() if o["webhook"]}
    assert len(robots) == 1
    assert all(url.startswith("http://127.0.0.1:") for url in robots.values())


def test_units_not_marked_assumed_are_named_in_the_seeds(registry, units, plans):
    seeds = _squash("".join(_seed_text(p) for p in plans.values()))
    city_names = {"XY": "襄阳", "JZ": "荆州", "SY": "十堰", "YY": "益阳"}
    for code, unit in units.items():
        if unit["assumed"]:
            continue
        name = unit["name"]
        short = name.removeprefix(city_names.get(code.split("-")[0][:2], "\0"))
        assert name in seeds or short in seeds, code


def test_every_jingzhou_unit_is_named_by_the_seed(units):
    for code, unit in units.items():
        if code.startswith("JZ"):
            assert unit["assumed"] is False, code


# ----------------------------------------------------------------------------- offices


def _chain(offices, code):
    seen = []
    while code is not None:
        assert code in offices, f"unknown office {code}"
        assert code not in seen, f"cycle through {code}"
        seen.append(code)
        code = offices[code]["parent"]
    return seen


def test_the_office_tree_has_one_top_node_with_hubei_and_hunan_under_it(offices):
    assert [c for c, o in offices.items() if o["parent"] is None] == ["CJZY"]
    assert offices["CJZY"]["level"] == "region"
    assert offices["CJZY"]["name"] == "长江中游城市群科技创新工作领导小组办公室"
    assert {c for c, o in offices.items() if o["level"] == "province"} == {"HB", "HN"}
    for code, office in offices.items():
        assert office["level"] in OFFICE_LEVELS, code
        assert _chain(offices, code)[-1] == "CJZY", code
    assert _chain(offices, "XY") == ["XY", "XSSS", "HB", "CJZY"]
    assert _chain(offices, "JZKF") == ["JZKF", "JZ", "HB", "CJZY"]
    assert _chain(offices, "YY") == ["YY", "HN", "CJZY"]


def test_the_xiangshisuishen_cluster_holds_its_four_cities(offices):
    cluster = offices["XSSS"]
    assert (cluster["level"], cluster["parent"]) == ("cluster", "HB")
    assert cluster["name"] == "襄十随神城市群科技创新协同发展领导小组办公室"
    members = {o["short_name"] for o in offices.values() if o["parent"] == "XSSS"}
    assert members == {"襄阳市", "十堰市", "随州市", "神农架林区"}
    assert all(offices[c]["level"] == "city" for c, o in offices.items() if o["parent"] == "XSSS")


def test_each_plan_is_run_by_the_office_its_seed_names(plans, offices):
    office_of = {code: offices[plan["office"]] for code, plan in plans.items()}
    assert office_of["XY"]["name"] == "襄阳市推进科技创新领导小组办公室"
    assert office_of["XYKX"] is office_of["XY"]  # 001 names no office of its own (see the commit)
    assert office_of["JZ"]["name"] == "荆州经开区创新创业服务中心"
    assert office_of["JZ"]["level"] == "district"
    assert office_of["YY"]["name"] == "益阳市科学技术局"
    assert office_of["SY"]["short_name"] == "十堰市" and office_of["SY"]["assumed"] is True
    seeds = {code: _squash(_seed_text(plan)) for code, plan in plans.items()}
    assert "市推进科技创新领导小组办公室负责综合协调" in seeds["XY"]
    assert "创新创业服务中心牵头制定考核方案" in seeds["JZ"]
    assert "由科技部门牵头" in seeds["YY"] and "益阳市科学技术局二〇二一年十一月" in seeds["YY"]


def test_offices_not_marked_assumed_are_named_in_the_seeds(offices, plans):
    seeds = _squash("".join(_seed_text(p) for p in plans.values())).replace("“", "").replace("”", "")
    for code, office in offices.items():
        if office["assumed"]:
            continue
        body = office["name"].removesuffix("办公室")
        assert body in seeds or body.removeprefix(office["short_name"].rstrip("省市")) in seeds, code


def test_offices_have_demo_contacts_fake_numbers_and_their_name_as_seal(offices, units):
    for code, office in offices.items():
        assert "演示" in office["contact"], code
        assert re.fullmatch(r"0\d{2,3}-5550\d{3}", office["phone"]), code
        assert office["seal_text"] == office["name"], code
    phones = [o["phone"] for o in offices.values()] + [u["phone"] for u in units.values()]
    assert len(phones) == len(set(phones))
    assert offices["JZ"]["doc_prefix"] == "荆科创领办"  # 002 cites 荆科创领办〔2022〕6 号


def test_every_unit_belongs_to_the_nearest_office_at_or_above_it(units, offices):
    for code, unit in units.items():
        node = code
        while node not in offices:
            node = units[node]["parent"]
        assert unit["org"] == node, code
    assert units["JZKF-CXCY"]["org"] == "JZKF" and units["XY-GXQ"]["org"] == "XY"


# ----------------------------------------------------------------------------- tasks


def test_every_plan_has_at_least_one_task(registry, plans):
    for code in plans:
        assert any(t["plan"] == code for t in registry["tasks"]), code


def test_task_references_point_to_existing_plans_and_units(registry, plans, units):
    for task in registry["tasks"]:
        assert task["plan"] in plans, task["code"]
        assert task["lead_unit"] in units, task["code"]
        for helper in task["helper_units"]:
            assert helper in units, (task["code"], helper)
        assert task["lead_unit"] not in task["helper_units"], task["code"]
        assert len(task["helper_units"]) == len(set(task["helper_units"])), task["code"]


def test_tasks_are_assigned_to_units_of_their_own_city(registry):
    city_of_plan = {"XY": "XY", "XYKX": "XY", "JZ": "JZKF", "SY": "SY", "YY": "YY"}
    for task in registry["tasks"]:
        for unit in [task["lead_unit"], *task["helper_units"]]:
            assert unit.split("-")[0] == city_of_plan[task["plan"]], (task["code"], unit)


def test_task_codes_carry_the_plan_numbering(registry):
    for task in registry["tasks"]:
        assert re.fullmatch(rf"{task['plan']}-\d+(\.\d+)*", task["code"]), task["code"]
        assert task["title"] and task["text"] and task["section"] and task["number"]
        assert task["text"] == task["text"].strip()
        assert "  " not in task["text"], task["code"]
        assert task["due_year"] == 2025
        assert isinstance(task["weight"], int | float) and task["weight"] > 0


def test_numbered_task_codes_agree_with_the_written_numbering(registry):
    for task in registry["tasks"]:
        if task["plan"] not in ("XY", "JZ", "YY"):
            continue
        digits = [
            str(CN_DIGITS[c]) if c in CN_DIGITS else c
            for c in re.findall(r"[一二三四五六七八九十]|\d+", task["number"])
        ]
        assert task["code"] == f"{task['plan']}-" + ".".join(digits), task["code"]


def test_task_counts_follow_the_seeds(registry):
    count = {p: sum(1 for t in registry["tasks"] if t["plan"] == p) for p in ("XY", "XYKX", "JZ", "SY", "YY")}
    assert count == {"XY": 27, "XYKX": 6, "JZ": 18, "SY": 18, "YY": 35}


def test_every_jingzhou_task_keeps_the_seed_units_in_order(registry, units):
    code_of = {u["name"]: code for code, u in units.items() if code.startswith("JZKF-")}
    jz_tasks = {t["code"]: t for t in registry["tasks"] if t["plan"] == "JZ"}
    assert set(jz_tasks) == set(JINGZHOU_RESPONSIBLE_UNITS)
    for code, names in JINGZHOU_RESPONSIBLE_UNITS.items():
        task = jz_tasks[code]
        assert [task["lead_unit"], *task["helper_units"]] == [code_of[n] for n in names], code
        assert task["units_assumed"] is False, code


def test_tasks_led_or_helped_by_invented_units_say_so(registry, units):
    for task in registry["tasks"]:
        if any(units[u]["assumed"] for u in [task["lead_unit"], *task["helper_units"]]):
            assert task["units_assumed"] is True, task["code"]


def test_kechuang_china_work_lines_are_led_by_the_xiangyang_science_association(registry):
    lines = [t for t in registry["tasks"] if t["plan"] == "XYKX"]
    assert [t["title"] for t in lines] == [
        "做精一支科创联络员队伍",
        "做实一个科创生态系统",
        "做强一批科创平台",
        "做好一系列科技服务活动",
        "做大一支高层次创新人才队伍",
        "做优一个科创人文环境",
    ]
    assert all(t["lead_unit"] == "XY-KX" for t in lines)


def test_task_text_is_taken_from_the_seed(registry, plans):
    for task in registry["tasks"]:
        seed = _squash(_seed_text(plans[task["plan"]]))
        for paragraph in task["text"].split("\n"):
            assert _squash(paragraph) in seed, task["code"]


# ----------------------------------------------------------------------------- indicators


def test_indicator_references_point_to_existing_rows(registry, plans, tasks, units):
    for ind in registry["indicators"]:
        assert ind["plan"] in plans, ind["code"]
        if ind["task"] is not None:
            assert ind["task"] in tasks, ind["code"]
            assert tasks[ind["task"]]["plan"] == ind["plan"], ind["code"]
        assert ind["owner_units"], ind["code"]
        for owner in ind["owner_units"]:
            assert owner in units, (ind["code"], owner)


def test_indicator_codes_number_each_plan_in_document_order(registry):
    per_plan = {}
    for ind in registry["indicators"]:
        per_plan.setdefault(ind["plan"], []).append(ind["code"])
    for plan, codes in per_plan.items():
        assert codes == [f"{plan}-K{n:02d}" for n in range(1, len(codes) + 1)], plan


def test_indicator_kinds_directions_and_values_are_well_formed(registry, plans):
    for ind in registry["indicators"]:
        code = ind["code"]
        assert ind["kind"] in INDICATOR_KINDS, code
        assert ind["direction"] in DIRECTIONS, code
        assert isinstance(ind["target_value"], int | float) and not isinstance(ind["target_value"], bool), (
            code
        )
        # Weight 0: monitored, not scored, where the plan names a register without a number
        # (SY-K17, “建设高新技术企业库和后备库”): its target is 0, met by any report.
        monitored = ind["weight"] == 0
        assert ind["target_value"] > 0 or (monitored and ind["target_value"] == 0), code
        plan = plans[ind["plan"]]
        assert plan["start_year"] <= ind["target_year"] <= plan["end_year"], code
        assert ind["measure_unit"], code
        assert isinstance(ind["weight"], int | float) and (ind["weight"] > 0 or monitored), code
        if ind["baseline_value"] is not None:
            assert isinstance(ind["baseline_value"], int | float), code
            assert isinstance(ind["baseline_year"], int), code
        else:
            assert ind["baseline_year"] is None, code
        for year, value in ind["yearly_targets"].items():
            assert plan["start_year"] <= int(year) <= plan["end_year"], code
            assert isinstance(value, int | float), code
        if ind["kind"] == "rate":
            assert ind["measure_unit"] == "%", code
        if ind["kind"] == "milestone":
            assert ind["target_value"] == 1, code
        if ind["allow_negative"]:
            assert ind["kind"] == "rate", code


def test_cumulative_indicators_start_from_zero_at_the_plan_base_year(registry, plans):
    for ind in registry["indicators"]:
        if ind["kind"] == "cumulative":
            assert ind["baseline_value"] == 0, ind["code"]
            assert ind["baseline_year"] == plans[ind["plan"]]["base_year"], ind["code"]


def test_every_year_targets_cover_every_plan_year(registry, plans):
    for ind in registry["indicators"]:
        if "每年" in ind["source_text"]:
            assert ind["yearly_targets"], ind["code"]
        if not ind["yearly_targets"]:
            continue
        plan = plans[ind["plan"]]
        years = [str(y) for y in range(plan["start_year"], plan["end_year"] + 1)]
        assert list(ind["yearly_targets"]) == years, ind["code"]
        assert set(ind["yearly_targets"].values()) == {ind["target_value"]}, ind["code"]
        assert ind["kind"] in ("flow", "rate"), ind["code"]


def test_owners_of_task_targets_are_among_the_task_units(registry, tasks):
    for ind in registry["indicators"]:
        if ind["task"] is not None:
            task = tasks[ind["task"]]
            assert ind["owner_units"][0] in [task["lead_unit"], *task["helper_units"]], ind["code"]


def test_indicators_owned_by_invented_units_say_so(registry, units):
    for ind in registry["indicators"]:
        if any(units[u]["assumed"] for u in ind["owner_units"]):
            assert ind["units_assumed"] is True, ind["code"]


def test_source_text_is_quoted_from_the_seed(registry, plans):
    for ind in registry["indicators"]:
        seed = _squash(_seed_text(plans[ind["plan"]]))
        assert _squash(ind["source_text"]) in seed, ind["code"]
        # a number in the quote, except for a monitored (weight 0) indicator the plan sets none for
        assert ind["weight"] == 0 or re.search(r"\d|千|百|零的突破", ind["source_text"]), ind["code"]


def test_plans_with_numeric_goals_have_indicators_and_kechuang_china_has_none(registry):
    plans_with_indicators = {i["plan"] for i in registry["indicators"]}
    assert {"XY", "JZ", "SY", "YY"} <= plans_with_indicators
    assert "XYKX" not in plans_with_indicators


def test_yiyang_baselines_are_the_2020_values(registry):
    yiyang = [i for i in registry["indicators"] if i["plan"] == "YY"]
    with_baseline = [i for i in yiyang if i["baseline_value"] is not None]
    assert with_baseline
    assert all(i["baseline_year"] == 2020 for i in with_baseline)
    got = {i["name"]: i["baseline_value"] for i in with_baseline if i["kind"] in ("stock", "rate")}
    assert got == {
        "全社会研发投入占GDP比重": 1.89,
        "每万人拥有有效发明专利": 2.96,
        "高新技术企业数": 312,
        "高新技术产业增加值占GDP比重": 23.15,
    }


# ----------------------------------------------------------------------------- spot checks


def test_jingzhou_high_tech_enterprises_reach_200_by_2025(registry):
    ind = _one(registry, "JZ", "高新技术企业数")
    assert (ind["kind"], ind["target_value"], ind["target_year"], ind["measure_unit"]) == (
        "stock",
        200,
        2025,
        "家",
    )
    assert ind["task"] == "JZ-3.2.1" and ind["owner_units"] == ["JZKF-JFJ"]


def test_jingzhou_tech_smes_grow_by_70_every_year_to_400(registry):
    growth = _one(registry, "JZ", "科技型中小企业年净增数")
    assert growth["kind"] == "flow"
    assert growth["yearly_targets"] == {"2023": 70, "2024": 70, "2025": 70}
    total = _one(registry, "JZ", "科技型中小企业总数")
    assert (total["kind"], total["target_value"], total["task"]) == ("stock", 400, "JZ-3.2.2")


def test_jingzhou_three_year_totals_are_cumulative(registry):
    assert _one(registry, "JZ", "新增转化落地科技成果")["target_value"] == 60
    assert _one(registry, "JZ", "新增各类创新平台")["target_value"] == 50
    assert _one(registry, "JZ", "累计新引进大学生")["target_value"] == 5000
    for name in ("新增转化落地科技成果", "新增各类创新平台", "累计新引进大学生"):
        assert _one(registry, "JZ", name)["kind"] == "cumulative"


def test_jingzhou_goal_targets_restated_in_tasks_appear_once(registry):
    names = [i["name"] for i in registry["indicators"] if i["plan"] == "JZ"]
    assert len(names) == len(set(names))
    contracts = _one(registry, "JZ", "技术合同交易额")
    assert (contracts["kind"], contracts["target_value"], contracts["measure_unit"], contracts["task"]) == (
        "flow",
        30,
        "亿元",
        "JZ-3.4.1",
    )
    fiscal = _one(registry, "JZ", "财政科技投入年增长率")
    assert fiscal["kind"] == "rate" and fiscal["task"] == "JZ-3.6.1" and fiscal["owner_units"] == ["JZKF-CZJ"]
    assert fiscal["yearly_targets"] == {"2023": 10, "2024": 10, "2025": 10}


def test_jingzhou_ip_pledge_financing_is_2000_wan_yuan_each_year(registry):
    ind = _one(registry, "JZ", "知识产权质押融资额")
    assert (ind["kind"], ind["target_value"], ind["measure_unit"]) == ("flow", 2000, "万元")
    assert ind["yearly_targets"] == {"2023": 2000, "2024": 2000, "2025": 2000}


def test_yiyang_rd_intensity_reaches_2_5_percent_from_1_89(registry):
    ind = _one(registry, "YY", "全社会研发投入占GDP比重")
    assert (ind["kind"], ind["target_value"], ind["measure_unit"]) == ("rate", 2.5, "%")
    assert (ind["baseline_value"], ind["baseline_year"], ind["target_year"]) == (1.89, 2020, 2025)
    assert ind["allow_negative"] is False


def test_yiyang_high_tech_enterprises_go_from_312_to_600(registry):
    ind = _one(registry, "YY", "高新技术企业数")
    assert (ind["kind"], ind["baseline_value"], ind["target_value"]) == ("stock", 312, 600)


def test_xiangyang_headline_targets(registry):
    rd = _one(registry, "XY", "全社会研发经费支出年均增速")
    assert (rd["kind"], rd["target_value"], rd["allow_negative"]) == ("rate", 14, True)
    assert _one(registry, "XY", "高新技术企业数")["target_value"] == 1200
    platforms = _one(registry, "XY", "省级以上创新平台数")
    assert (platforms["target_value"], platforms["task"]) == (600, "XY-2.1.3")
    assert _one(registry, "XY", "高新技术产业增加值占地区生产总值比重")["target_value"] == 24
    unicorn = _one(registry, "XY", "独角兽企业零的突破")
    assert (unicorn["kind"], unicorn["target_value"]) == ("milestone", 1)


def test_shiyan_talent_programme_targets(registry):
    youth = _one(registry, "SY", "引进青年人才")
    assert (youth["kind"], youth["target_value"], youth["task"]) == ("cumulative", 1000, "SY-3.3.2")
    pro = _one(registry, "SY", "新增专业技术人才")
    assert (pro["target_value"], pro["measure_unit"]) == (3.3, "万人")
    stations = _one(registry, "SY", "新增院士专家工作站")
    assert (stations["kind"], stations["target_value"], stations["baseline_value"]) == ("cumulative", 30, 0)


def test_indicator_counts_per_plan(registry):
    count = {}
    for ind in registry["indicators"]:
        count[ind["plan"]] = count.get(ind["plan"], 0) + 1
    assert count == {"XY": 19, "JZ": 30, "SY": 17, "YY": 12}
