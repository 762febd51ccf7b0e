"""The settings a run used, in words, each with its public source or the reason it is assumed.

A reviewer reads these rows in the report and report.xlsx: the setting's name in 中文 and English
with its scenario key beside it, the value with its unit, and the basis — a public source (document,
table, year), a figure derived from one (with the arithmetic), an explicit assumption (with the
reason), or a planner's setting (a policy or solver choice, not a fact). Only settings in use are
listed: a module that is off (C&D, transfer stations, sorting, futures, phasing) shows no rows.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:  # for annotations only
    from wasteopt.config.scenario.schema import Scenario

BASIS_NAMES = {"source": "来源 source", "derived": "推算 derived", "assumption": "假设 assumption",
               "setting": "设定 planner's setting"}
GROUPS = {  # scenario section → its name in words, in report order
    "region": "区域与年份 region and years", "demand": "需求 demand", "network": "运输网络 road network",
    "transport": "运输成本 haulage", "incinerator": "焚烧厂 incinerators", "landfill": "填埋场 landfills",
    "economics": "经济参数 economics", "policy": "政策 policy", "goals": "规划目标 plan goals",
    "objective": "优化目标 objective", "phasing": "分期 phasing", "sorting": "垃圾分类 waste sorting",
    "transfer": "转运站 transfer stations", "cd": "建筑垃圾 C&D waste", "exclusion": "禁建区 exclusion zones",
    "uncertainty": "多情景 futures", "solver": "求解器 solver",
}

# Public documents cited by several settings.
HENAN_PLAN = "河南省“十四五”城市更新和城乡人居环境建设规划 (Henan 14th five-year urban renewal and living-environment plan, 2021)"
HAN_2019 = "Han et al., Environ. Sci. Pollut. Res. 26 (2019) 8485, rural MSW survey (median 0.521 kg/cap/day; LHV 5,368 kJ/kg)"
QINGDAO_LCA = "Chen et al., 环境科学 44(5) 2023, Qingdao MSW life-cycle assessment (hjkx.ac.cn/hjkx/ch/html/20230556.htm)"
PROJECTS = ("Jiaohe 1×500 t/d 2.26 亿 (2024), Xiangyin 2×300 t/d 2.96 亿, Dehui 2×400 t/d 3.64 亿, Linxia 1,200 t/d 6.22 亿 "
            "(2021), Enshi 1,200 t/d 6.9 亿 (2022): 45–58 万元 per t/d (news reports of the project approvals)")
COST_SPLIT = "fudaoke.com/exam/3049989.html (secondary): full cost ≈ 207 CNY/t (depreciation 82), power ≈ 174 CNY/t"
NO_SOURCE = "未找到公开数据，需以本地合同核实 no public figure found; check against local contracts"
TARIFF_2012 = "国家发展改革委 发改价格〔2012〕801号 (NDRC WtE tariff notice, 2012; en.sdpea.org/newsshow.php?cid=18&id=64)"
CD_RULE = "municipal C&D generation rule quoted at mffbw.com/zx/77268.html, secondary"
TRUCK_COST = ("bottom-up: 2 × (0.3 L/km × 7.5 CNY/L + 2.5 crew + 1.5 upkeep CNY/km) / payload (20 t trailer ≈ 0.8, "
              "8 t compactor ≈ 1.5 CNY/t·km); no published CNY/t·km found — check county haulage tenders")


@dataclass(frozen=True)
class Setting:
    """One documented setting: its name in words and the basis of its default."""

    zh: str
    en: str
    basis: str  # a key of BASIS_NAMES
    note: str  # the public source (document, table, year) or the reason


def _s(zh: str, en: str, basis: str, note: str = "") -> Setting:
    return Setting(zh, en, basis, note)


PLANNER = "规划者选择 the planner's choice for this scenario"
CATALOGUE: dict[str, Setting] = {
    "region.seeds": _s("基础数据目录", "seed data folder", "source",
                       "2020 census (county yearbook), DataV county/prefecture boundaries, MEE incineration platform "
                       "ljgk.envsc.cn (2023 snapshot); see the data-sources section"),
    "region.baseline_year": _s("基准年（此前投运的厂为现有厂）", "baseline year (plants started by then exist)", "setting", PLANNER),
    "region.target_year": _s("目标年", "target year", "setting", PLANNER),
    "region.landfills_file": _s("填埋场文件", "landfill file", "assumption",
                                "空 = 基础数据 landfills.csv：有公开记录的填埋场（各附来源），其余县各一座假设填埋场（位于县城）"
                                " empty = the seeds' landfills.csv: landfills from public records, each with its "
                                "source, and one assumed landfill at the seat of every other county"),
    "region.candidate_sites_file": _s("候选厂址文件", "candidate site file", "assumption",
                                      "空 = 县城为候选厂址 empty = county seats are the candidate sites"),
    "region.townships": _s("合成乡镇数", "synthetic townships", "assumption",
                           "基础数据中无含位置与人口的乡镇名单：按 2020 年普查人口在县界内生成，各县总量不变 "
                           "the seeds hold no township list with positions and populations: generated inside the "
                           "county boundaries by 2020 census population, county totals kept"),
    "region.township_seed": _s("合成乡镇随机种子", "synthetic township seed", "setting",
                               "同一种子生成同一组乡镇 one seed, one set of townships"),
    "demand.msw_kg_per_capita_day.urban": _s("城镇人均产生量", "urban MSW per person", "source",
                                             "national rule of thumb 1.0–1.2 kg/cap/day (lianjie114.net/life_277792, "
                                             "secondary); scaled by the calibration below"),
    "demand.msw_kg_per_capita_day.rural": _s("农村人均产生量", "rural MSW per person", "source", HAN_2019),
    "demand.collection_rate.urban": _s("城镇收运率", "urban collection rate", "assumption",
                                       "城市收运全覆盖 full collection in towns and cities"),
    "demand.collection_rate.rural": _s("农村收运率", "rural collection rate", "source",
                                       "national rural collection covers > 90 % of administrative villages (2020, "
                                       "xny365.com/huanbao/article-40196.html)"),
    "demand.growth_per_year": _s("年增长率（自 2020 年）", "growth per year (from 2020)", "assumption",
                                 "half the 2010–2020 national rate (urban collected MSW 2.35 亿 t in 2020, +49 % on "
                                 "2010 ≈ 4 %/yr: 中国科学院院刊 2022(8)), for slower growth since"),
    "demand.sorted_out_share": _s("分类分流比例（不建模分类时）", "share sorted out (when sorting is off)", "assumption",
                                  "默认 0：不分类时不分流；分类情景按各组分的分出率建模（厨余占比 0.55 × 分出率 0.18 ≈ 10 %）"
                                  " default 0: nothing diverted without sorting; sorting scenarios divert by capture "
                                  "rates (food share 0.55 × capture 0.18 ≈ 10 %)"),
    "demand.calibration.total_tpd": _s("校准：全省清运量", "calibration: provincial collected MSW", "derived",
                                       "Henan 2023: 4.9 万 t/d incinerated = 68 % of harmless treatment "
                                       "(ruisenzm.com/news/industry/1364.html) → 4.9 / 0.68 ≈ 7.2 万 t/d"),
    "demand.calibration.year": _s("校准年份", "calibration year", "source",
                                  "year of the calibration figure: Henan 2023 (ruisenzm.com/news/industry/1364.html)"),
    "demand.calibration.source": _s("校准来源", "calibration source", "source", "as given in the scenario"),
    "demand.calibration.factor": _s("校准系数", "calibration factor", "derived",
                                    "拟合一次后固定：按默认人均产生量、收运率和增长率使校准年总量等于上行数值（河南 2023 年） fitted once so "
                                    "that the calibration year's total equals the figure above at the default rates, "
                                    "then held; 空 = 每次运行重新拟合 null = refitted in every run"),
    "network.circuity": _s("道路绕行系数", "road circuity (road km per straight km)", "source",
                           "motorway networks 1.3 ± 0.1 (Wang et al., arXiv:2406.06490, 2024); random urban pairs "
                           "≈ 1.2 (Newell 1980)"),
    "network.max_haul_km": _s("最大运距", "longest haul", "source",
                              "Linxia 1,200 t/d plant serves a radius of about 50 km (2021); 150 road km lets a "
                              "prefecture share one plant (假设 assumption)"),
    "network.k_nearest": _s("超出运距时保留的最近厂址数", "nearest sites kept beyond the haul limit", "setting", PLANNER),
    "network.od_matrix_file": _s("路网距离矩阵文件", "road distance matrix file", "setting", PLANNER),
    "network.osm_file": _s("OSM 路网文件", "OSM road extract", "setting", PLANNER),
    "network.road_speeds_kmh": _s("各级道路车速", "truck speed per road class", "assumption", NO_SOURCE),
    "network.snap_tolerance_m": _s("路网吸附距离", "snap tolerance to the road network", "setting", PLANNER),
    "transport.msw_cny_per_t_km": _s("干线运费（县→厂）", "trunk haul cost (county → plant)", "assumption", TRUCK_COST),
    "transport.ash_cny_per_t_km": _s("灰渣运费", "ash haul cost", "assumption", TRUCK_COST),
    "transport.co2_kg_per_t_km": _s("运输碳排放", "haulage CO2", "derived",
                                    "0.3 L/km × 2.64 kg CO2/L (WIH Resource Group 2008) / 8 t ≈ 0.1 per loaded "
                                    "t·km, doubled for the empty return ≈ 0.2"),
    "incinerator.line_sizes_tpd": _s("焚烧线规格", "incineration line sizes", "source",
                                     "城市生活垃圾焚烧处理工程项目建设标准 (建标, 2001) plant classes; project lines "
                                     "300–500 t/d; 750 t/d lines of large plants (假设 assumption)"),
    "incinerator.max_lines_per_site": _s("每厂最多焚烧线数", "most lines per site", "source",
                                         "建标 (2001): class I plants 3–4 lines; 6 allows large urban plants "
                                         "(Zhengzhou 6 × 700 t/d, Zhengzhou DRC approval)"),
    "incinerator.site_cost_wan_cny": _s("新厂址固定成本", "new site fixed cost", "derived",
                                        "5–11 % above the quoted small plants at 5,000 (19–33 % at 10,000): " + PROJECTS
                                        + "; backtested on Henan's 2021–24 build-out (MEE platform, news)"),
    "incinerator.line_fixed_cost_wan_cny": _s("每条线固定成本", "fixed cost per line", "assumption",
                                              "economy of scale of larger lines; " + NO_SOURCE),
    "incinerator.line_cost_wan_cny_per_tpd": _s("单位能力成本", "cost per t/d of line capacity", "derived",
                                                "with the fixed parts ≈ 45 万元 per t/d at 2 × 500 t/d; " + PROJECTS),
    "incinerator.opex_cny_per_t": _s("运行成本", "operating cost", "source", COST_SPLIT + "; 207 − 82 = 125"),
    "incinerator.power_revenue_cny_per_t": _s("发电收入", "power revenue", "source",
                                              COST_SPLIT + "; tariff 0.65 CNY/kWh for the first 280 kWh/t "
                                              "(发改价格〔2012〕801号)"),
    "incinerator.min_load_share": _s("最低负荷率", "minimum load", "source",
                                     "Hebi ran at ≈ 50 % load (2021 central inspection); national average load "
                                     "close to 60 % (163.com, 2024, secondary)"),
    "incinerator.availability": _s("可用率", "availability", "assumption", "≈ 8,000 运行小时/年 design hours per year"),
    "incinerator.ash_share": _s("灰渣比例", "ash per t incinerated", "assumption",
                                "bottom and fly ash 20 % of the input mass"),
    "incinerator.allow_expansion": _s("允许现有厂扩建", "existing plants may expand", "setting", PLANNER),
    "incinerator.co2e_t_per_t": _s("焚烧净温室气体", "net GHG of incineration with power", "source", QINGDAO_LCA),
    "incinerator.tipping_fee_cny_per_t": _s("垃圾处理费（政府支付）", "tipping fee paid by government", "derived",
                                            "郑州(东部)环保能源工程 1.37 亿元/年 垃圾处理收入 ÷ 146 万 t/年 ≈ 94 元/t "
                                            "(m.78375555.com/news/hydt/201808/394832.html, 2018); national range 60–100 "
                                            "元/t (fudaoke.com/exam/3049989.html, secondary); paid from the public "
                                            "budget, outside the system cost"),
    "incinerator.tariff.on_grid_kwh_per_t": _s("每吨上网电量", "kWh sold per t burnt", "assumption",
                                               "400 kWh/t gross (project yields 275–444 kWh/t, Jiaohe, Linxia, Xiangyin, "
                                               "Enshi approvals 2021–24) less 15–20 % own use: no public figure found for "
                                               "own use"),
    "incinerator.tariff.subsidised_kwh_per_t": _s("每吨享受补贴电价的电量", "kWh per t received at the WtE price",
                                                  "source", TARIFF_2012 + ": the first 280 kWh per t of waste received"),
    "incinerator.tariff.subsidised_cny_per_kwh": _s("垃圾发电标杆电价", "WtE feed-in price", "source",
                                                    TARIFF_2012 + ": 0.65 元/kWh"),
    "incinerator.tariff.coal_benchmark_cny_per_kwh": _s("河南燃煤发电基准价", "Henan coal-fired benchmark price",
                                                        "assumption", "0.3779 元/kWh as commonly quoted for Henan; the "
                                                        "price notice itself was not found — check the provincial "
                                                        "price notice"),
    "incinerator.tariff.subsidy_full_load_hours": _s("全生命周期合理利用小时数", "lifetime subsidised full-load hours",
                                                     "source", "财建〔2020〕426号 (2020), as re-posted in "
                                                     "oldhukaiwen.com/news/202108202647.html (secondary)"),
    "incinerator.tariff.full_load_hours_per_year": _s("年满负荷小时数", "full-load hours a year", "derived",
                                                      "400 kWh/t × 0.9 availability × 365 ÷ 19 kW per t/d; 19 kW per t/d "
                                                      "from Henan's WtE plan 2018–2030, 160 万 kW for 8.4 万 t/d "
                                                      "(news.zynews.cn/eyes/2018-11/24/content_11594531.htm)"),
    "incinerator.tariff.new_plant_subsidy_share": _s("新建厂享受补贴的比例", "share of the subsidy a new plant gets",
                                                     "source", "发改能源〔2021〕1190号 (2021): new plants get central "
                                                     "subsidy only by competitive allocation (2 亿元 nationally in "
                                                     "2021), 40 % central share in Henan (cinic.org.cn/hy/ny/1146392.html); "
                                                     "0 = none"),
    "landfill.gate_cost_cny_per_t": _s("填埋处理费", "landfill gate cost", "assumption",
                                       "generic fee ladder: landfill 30–50 CNY/t for inert waste (httgc.com, secondary); "
                                       "MSW with leachate treatment costs more; " + NO_SOURCE),
    "landfill.fixed_om_wan_cny_per_year": _s("继续运行的填埋场年固定费用", "fixed upkeep of a landfill kept open",
                                             "assumption", NO_SOURCE),
    "landfill.restoration_cost_wan_cny": _s("生态封场费用（一次性）", "ecological closure, one-off", "assumption",
                                            NO_SOURCE),
    "landfill.max_haul_km": _s("填埋最大运距", "longest haul to a landfill", "assumption",
                               "县内就近填埋 raw MSW is landfilled within its own county"),
    "landfill.ash_gate_cost_cny_per_t": _s("灰渣填埋费", "ash landfill fee", "assumption", NO_SOURCE),
    "landfill.co2e_t_per_t": _s("填埋温室气体", "GHG of landfilling mixed MSW", "source", QINGDAO_LCA),
    "economics.discount_rate": _s("折现率", "discount rate", "source",
                                  "建设项目经济评价方法与参数（第三版，国家发展改革委、建设部 2006）: social discount "
                                  "rate 8 %, lower for long-lived projects but not below 6 %"),
    "economics.lifetime_years": _s("设施寿命", "plant lifetime", "assumption",
                                   "25–30 年特许经营期 usual BOT concession length"),
    "economics.carbon_price_cny_per_t_co2e": _s("碳价", "carbon price", "assumption",
                                                "near China ETS prices (≈ 60–100 CNY/t, 2023–24)"),
    "policy.raw_msw_landfill_cap_tpd": _s("原生垃圾填埋上限", "cap on raw MSW landfilled", "setting", PLANNER),
    "policy.province_capacity_target_tpd": _s("全省焚烧能力下限", "least provincial incineration capacity",
                                              "setting", PLANNER),
    "policy.new_plants.min": _s("新建厂最少数量", "fewest new plants", "setting", PLANNER),
    "policy.new_plants.max": _s("新建厂最多数量", "most new plants", "setting", PLANNER),
    "policy.single_sourcing": _s("每县只送一个厂", "each county to one plant", "setting", PLANNER),
    "policy.locked_open": _s("强制启用的厂址", "sites locked open", "setting", PLANNER),
    "policy.locked_closed": _s("禁止使用的厂址", "sites locked closed", "setting", PLANNER),
    "policy.fixed_plants_file": _s("固定方案文件", "fixed plan file", "setting", PLANNER),
    "policy.landfills_stopped_min": _s("至少停用的填埋场", "fewest landfills stopped", "setting", PLANNER),
    "policy.landfills_restored_min": _s("至少生态封场的填埋场", "fewest landfills restored", "setting", PLANNER),
    "policy.catchment": _s("跨区运输范围", "where MSW may go", "setting", "规划规则，非成本 a planning rule, not a cost"),
    "policy.catchment_exceptions": _s("允许的跨区运输", "cross-border shipments allowed", "setting", PLANNER),
    "policy.county_capacity_above_tpd": _s("县域自建焚烧能力的门槛", "own-county capacity above", "source",
                                           "300 t/d: 城镇生活垃圾分类和处理设施补短板强弱项实施方案 (发改环资〔2020〕1257号), "
                                           "quoted in news re-posts"),
    "goals.raw_msw_landfill_tpd": _s("目标：原生垃圾零填埋", "goal: zero raw MSW landfill", "source",
                                     HENAN_PLAN + ": 基本实现原生生活垃圾零填埋"),
    "goals.incineration_capacity_tpd": _s("目标：焚烧能力", "goal: incineration capacity", "source",
                                          HENAN_PLAN + ": 全省生活垃圾焚烧日处理能力达到7万吨"),
    "goals.new_plants": _s("目标：新建焚烧厂", "goal: new plants", "source",
                           HENAN_PLAN + ": 新建生活垃圾焚烧设施30座以上"),
    "goals.landfills_stopped": _s("目标：停用填埋场", "goal: landfills stopped", "source",
                                  HENAN_PLAN + ": 完成停用40座以上"),
    "goals.resource_utilisation_rate": _s("目标：资源化利用率", "goal: resource utilisation rate", "source",
                                          "“十四五”城镇生活垃圾分类和处理设施发展规划 (发改环资〔2021〕642号): ≈ 60 % "
                                          "of city MSW by end-2025, quoted in m.zgkjsz.com/page/2022/0901/13967447.shtml"),
    "goals.recycling_rate": _s("目标：回收利用率", "goal: recycling rate", "source",
                               "national requirement of 2020: ≥ 35 % of city MSW by 2025, quoted in "
                               "m.zgkjsz.com/page/2022/0901/13967447.shtml"),
    "objective.kind": _s("优化目标", "objective", "setting", PLANNER),
    "objective.p": _s("厂数 p", "plants p", "setting", PLANNER),
    "objective.radius_km": _s("服务半径", "service radius", "setting", PLANNER),
    "phasing.years": _s("规划年份", "planning years", "setting", PLANNER),
    "phasing.build_budget_wan_cny_per_year": _s("年度建设预算", "build budget per year", "setting", PLANNER),
    "solver.backend": _s("求解器", "solver", "setting", PLANNER),
    "solver.time_limit_s": _s("求解时间上限", "time limit", "setting", PLANNER),
    "solver.rel_gap": _s("允许的最优性差距", "relative gap accepted", "setting", PLANNER),
    "solver.threads": _s("线程数", "threads", "setting", "0 = 求解器默认 solver default"),
    "solver.search": _s("并行局部搜索", "local search beside HiGHS", "setting", PLANNER),
    "solver.search_seed": _s("局部搜索随机种子", "local search seed", "setting", "同一种子同一方案 one seed, one plan"),
    "solver.bounds": _s("下界方法", "bounds", "setting", "auto = 模型允许时另加拉格朗日下界 a Lagrangean bound beside "
                        "HiGHS's where the model allows; off = 仅 HiGHS 下界 HiGHS's bound only"),
    "solver.decompose": _s("按地市分解求解", "decomposition", "setting",
                           "off = 整体求解 one model; prefecture = 按地市分块并行求解 pieces by prefecture, solved in parallel"),
    "solver.scheduler": _s("Dask 集群地址", "Dask cluster address", "setting", PLANNER),
    "transfer.collection_cny_per_t_km": _s("收集车运费", "collection vehicle haul cost", "assumption", TRUCK_COST),
    "sorting.food_cny_per_t_km": _s("厨余运费", "food-waste haul cost", "assumption",
                                    "sealed food-waste trucks, costed as compactors; " + TRUCK_COST),
    "sorting.composition.food.urban": _s("城镇厨余垃圾占比", "urban food-waste share", "derived",
                                         "from the kitchen-waste share of large-city MSW, Beijing 66 %, Shanghai 71 % "
                                         "(Wei et al. 2018, th4.ilovetranslation.com/nReONgOt99L=d, secondary), by "
                                         "taking 55 % below both for Henan's smaller cities (the margin is assumed)"),
    "sorting.composition.food.rural": _s("农村厨余垃圾占比", "rural food-waste share", "derived",
                                         "from rural MSW food + coal ash ≈ 70 % (Zeng, Niu & Zhao 2015, Front. Environ. "
                                         "Sci. Eng.), by 70 % − ash ≈ 30 % (the ash share is assumed) = 40 %"),
    "sorting.composition.recyclables.urban": _s("城镇可回收物占比", "urban recyclables share", "derived",
                                                "from Shanghai 2020: 6,375 of 30,073 t/d sorted were recyclables "
                                                "(城市管理与科技 2021(5):93), 21 %, rounded down to 20 %"),
    "sorting.composition.recyclables.rural": _s("农村可回收物占比", "rural recyclables share", "assumption",
                                                "no published rural share found: half the urban 20 %"),
    "sorting.composition.hazardous.urban": _s("城镇有害垃圾占比", "urban hazardous share", "assumption",
                                              "counted, not sited; no Henan figure found. Shanghai 2024 sorted 2.1 t/d "
                                              "of about 34,000 t/d (bbs.lyxww.cn/mrkx/202407/397819.html, secondary), "
                                              "far less than the 0.5 % taken"),
    "sorting.composition.hazardous.rural": _s("农村有害垃圾占比", "rural hazardous share", "assumption",
                                              "no figure found: 0.3 %, below the urban 0.5 %"),
    "sorting.heating_value.mixed_kj_per_kg": _s("混合垃圾热值", "LHV of mixed MSW", "source", HAN_2019),
    "sorting.digester.co2e_t_per_t": _s("厨余垃圾处理厂温室气体", "GHG of food-waste digestion", "assumption",
                                        "no figure per t of food waste found; " + QINGDAO_LCA + ": sorting + digestion "
                                        "+ incineration of the rest −0.062 t CO2e per t of MSW"),
    "cd.renovation_households": _s("老旧小区改造户数", "old-estate renovation, households", "source",
                                   HENAN_PLAN + ": “十四五”时期改造老旧小区100万户以上"),
    "cd.shantytown_units": _s("棚户区改造套数", "shantytown redevelopment, units", "source",
                              HENAN_PLAN + ": “十四五”期间新开工棚户区改造安置住房30万套"),
    "cd.renovation_t_per_household": _s("老旧小区改造每户产生量", "renovation waste per household", "derived",
                                        "80 m² × 0.10 t/m² home renovation (" + CD_RULE + ")"),
    "cd.shantytown_t_per_unit": _s("棚户区改造每套产生量", "demolition waste per unit", "derived",
                                   "80 m² × 1.3 t/m² civil demolition (" + CD_RULE + ")"),
    "cd.recycling_target_share": _s("建筑垃圾资源化率目标", "C&D recycling target", "source",
                                    "“十四五”循环经济发展规划 (发改环资〔2021〕969号): 建筑垃圾综合利用率 60 % by 2025"),
    "cd.truck_payload_t": _s("渣土车载重", "dump truck payload", "assumption",
                             "25–30 t C&D dump trucks (渣土车); no fleet register found — check the county's"),
    "cd.cny_per_t_km": _s("建筑垃圾运费", "C&D haul cost", "assumption",
                          "bottom-up as for MSW trucks: 25–30 t dump truck ≈ 0.6–0.8 CNY/t·km; no published figure found"),
    "cd.landfill_gate_cost_cny_per_t": _s("建筑垃圾填埋费", "C&D landfill fee", "source",
                                          "generic fee ladder: landfill 30–50 CNY/t (httgc.com, secondary); Shenzhen's "
                                          "optimal charge 106–112 CNY/m³ (Heriot-Watt research portal, stakeholder "
                                          "study of C&D charging)"),
    "cd.yard.gate_cost_cny_per_t": _s("消纳场处理费", "yard fee", "source",
                                      "generic fee ladder: stockpile 10–20 CNY/t (httgc.com, secondary)"),
    "cd.yard.density_t_per_m3": _s("消纳场堆积密度", "yard stockpile density", "derived",
                                   "1 万 t occupies ≈ 2 mu at 5 m height ≈ 1.5 t/m³ (C&D feasibility report, "
                                   "m.qiqiwenku.com/doc/48194.html)"),
    "cd.recycler.module_cost_wan_cny": _s("资源化厂模块成本", "recycling line cost", "derived",
                                          "Shiyan 100 万 t/yr for 3,285 万元 ≈ 33 元 per annual t "
                                          "(shengtairou.cn/news/show.php?itemid=79754)"),
    "exclusion.zones_files": _s("禁建区文件", "exclusion zone files", "setting", PLANNER),
    "exclusion.buffer_m": _s("禁建区外扩距离", "buffer around the zones", "source",
                             "≥ 300 m protection distance: 环发〔2008〕82号; MEE 2018 生活垃圾焚烧发电建设项目环境准入条件 art. 13"),
    "uncertainty.futures": _s("情景（名称、权重、变化）", "futures (name, weight, changes)", "setting", PLANNER),
    "uncertainty.objective": _s("多情景目标", "futures objective", "setting", PLANNER),
    "uncertainty.policy_scope": _s("政策适用范围", "policy scope", "setting", PLANNER),
    "cd.observed.store": _s("实测联单库（有联单的县按实测产生量，消纳场按实测剩余库容）",
                            "manifest store observed (counties with manifests generate what they manifested; its "
                            "yards hold the volume their arrivals left)", "source",
                            "电子联单 loaded by wasteopt cd ingest; 重复联单不计 duplicates left out"),
    "cd.observed.first_day": _s("实测期首日", "observed period: first day", "setting", PLANNER),
    "cd.observed.last_day": _s("实测期末日（含）", "observed period: last day (included)", "setting", PLANNER),
}
UNITS = sorted([  # key suffix → unit shown with the value (the longest suffix that fits)
    ("_wan_cny_per_tpd", "万元/(t/d)"), ("_wan_cny_per_year", "万元/年"), ("_wan_cny", "万元"), ("_cny_per_t_km", "元/t·km"),
    ("_cny_per_t_co2e", "元/t CO2e"), ("_cny_per_t", "元/t"), ("_kg_per_t_km", "kg/t·km"), ("_t_per_t", "t CO2e/t"),
    ("_tpd", "t/d"), ("_km", "km"), ("_kmh", "km/h"), ("_m", "m"), ("_s", "s"), ("_years", "年 years"),
    ("_kj_per_kg", "kJ/kg"), ("_kg_per_capita_day", "kg/人·日 kg/cap/day"), ("_m3", "m³"), ("_t_per_m3", "t/m³"),
    ("_kwh_per_t", "kWh/t"), ("_cny_per_kwh", "元/kWh"), ("_hours", "h"), ("_hours_per_year", "h/年 h/yr"),
    ("_t_per_urban_capita_year", "t/城镇人·年 t/urban cap/yr"), ("_t_per_household", "t/户 t/household"),
    ("_t_per_unit", "t/套 t/unit"), ("_t", "t"), ("cny_per_t_km", "元/t·km"), ("t_per_urban_capita_year",
                                                                          "t/城镇人·年 t/urban cap/yr"),
], key=lambda pair: -len(pair[0]))
NOT_IN_USE = {  # section → when its settings play no part in the run
    "cd": lambda s: not s.cd.enabled, "transfer": lambda s: not s.transfer.enabled,
    "sorting": lambda s: not s.sorting.enabled, "phasing": lambda s: not s.phasing.years,
    "exclusion": lambda s: not s.exclusion.zones_files, "uncertainty": lambda s: s.uncertainty is None,
}
SKIPPED_KEYS = {"cd.enabled", "transfer.enabled", "sorting.enabled"}  # said by the section being shown at all
KEYS_NOT_IN_USE = {"region.township_seed": lambda s: s.region.townships is None}  # key → when it plays no part
SHOWN_WHEN_UNSET = {"region.landfills_file", "region.candidate_sites_file", "policy.raw_msw_landfill_cap_tpd"}
PERCENT_KEYS = re.compile(r"(_share|_rate|collection_rate\.\w+|composition\.\w+\.\w+|moisture|availability|rel_gap|"
                          r"growth_per_year)$")


def _unit(key: str) -> str:
    """The unit of a setting from its key, or from its parent's (demand.msw_kg_per_capita_day.urban)."""
    return next((unit for segment in reversed(key.split(".")) for suffix, unit in UNITS if segment.endswith(suffix)), "")


WORDS_ZH = {  # key segments of the optional modules → 中文
    "composition": "组分", "capture": "分出率", "heating_value": "热值", "digester": "厨余垃圾处理厂",
    "sorting_centre": "分拣中心", "cotreatment": "焚烧厂协同处理", "food": "厨余垃圾", "recyclables": "可回收物",
    "hazardous": "有害垃圾", "urban": "城镇", "rural": "农村", "mixed": "混合垃圾", "rated": "额定", "food_moisture": "厨余含水率",
    "food_dry": "厨余干基", "line_sizes": "线规格", "max_lines_per_site": "每厂最多线数", "site_cost": "厂址固定成本",
    "line_fixed_cost": "每线固定成本", "line_cost": "单位能力成本", "opex": "运行成本", "revenue": "收入",
    "residue_share": "残渣比例", "min_load_share": "最低负荷率", "availability": "可用率",
    "co2e": "温室气体", "existing_file": "现有厂文件", "module": "模块规模", "max_modules": "最多模块数",
    "module_cost": "模块成本", "product_share": "产品比例", "product_price": "产品售价", "allowed": "允许",
    "capacity_factor": "能力系数", "surcharge": "附加费", "max_haul": "最大运距", "max_feed": "最大收运距离",
    "yard": "消纳场", "recycler": "资源化厂", "volume": "容积", "horizon": "使用年限", "density": "密度",
    "gate_cost": "处理费", "one_per_county": "每县一座", "routine": "常规产生量", "renovation_households": "老旧小区改造户数",
    "renovation": "老旧小区改造", "shantytown_units": "棚户区改造套数", "shantytown": "棚户区改造", "program": "改造期",
    "onsite_reuse_max_share": "就地利用上限", "onsite_reuse_cost": "就地利用成本", "landfill_gate_cost": "填埋费",
    "recycling_target_share": "资源化率目标", "candidate_sites_file": "候选厂址文件", "module_sizes": "模块规格",
    "cost": "处理成本", "collection": "收集车运费", "years": "年份", "build_budget": "年度建设预算",
    "zones_files": "禁建区文件", "buffer": "外扩距离", "recyclables_cny_per_t_km": "可回收物运费",
    "food_cny_per_t_km": "厨余运费", "cny_per_t_km": "运费", "routine_t_per_urban_capita_year": "常规产生量",
    "sorted_out_cost": "分流处理成本", "track_volume": "按容积逐年跟踪", "max_intake": "单元最大日进场量",
    "max_extensions": "最多扩建单元数", "cell_cost": "单元成本", "by_category": "按类别建模", "categories": "",
    "spoil": "工程渣土", "slurry": "工程泥浆", "construction": "工程垃圾", "demolition": "拆除垃圾", "decoration": "装修垃圾",
    "t_per_urban_capita_year": "城镇人均常规产生量", "programme": "对应改造项目", "destinations": "去向",
    "dewatering": "泥浆脱水厂", "cake_share": "泥饼比例", "truck_payload": "车辆载重",
}
WORDS_EN = {"categories": "", "t_per_urban_capita_year": "routine generation per urban resident",
            "cny_per_t_km": "haul cost", "routine": "routine generation", "program": "programme years"}
TAG_WORDS = {"src": "", "weak": "二手来源 secondary", "derived": "推算 derived", "assumption": "假设 assumption"}
_TAG = re.compile(r"\s*\[(src|weak|derived|assumption)\b([^\[\]]*)\]")


def _words(segment: str) -> tuple[str, str]:
    """(中文, English) of one key segment, its unit suffix taken off."""
    bare = next((segment.removesuffix(suffix) for suffix, _ in UNITS if segment.endswith(f"_{suffix.lstrip('_')}")),
                segment)
    zh = next((WORDS_ZH[word] for word in (segment, bare) if word in WORDS_ZH), bare.replace("_", " "))
    en = next((WORDS_EN[word] for word in (segment, bare) if word in WORDS_EN), bare.replace("_", " "))
    return zh, en


def _cited(text: str, basis: str) -> str:
    """A description's tags in words, with what they cite: '[src: 801号]' → '(801号)', '[weak]' → '(二手来源
    secondary)'; a tag that only repeats the row's basis is dropped, one that qualifies part of the text is kept."""
    def words(match: re.Match) -> str:
        kind = {"src": "source", "weak": "source"}.get(match.group(1), match.group(1))
        label = TAG_WORDS[match.group(1)] if kind != basis or match.group(1) == "weak" else ""
        cited = match.group(2).lstrip(":, ").strip()
        inside = ": ".join(part for part in (label, cited) if part)
        return f" ({inside})" if inside else ""

    previous = None
    while previous != text:  # inner tags first: '[derived from …, all [assumption]]'
        previous, text = text, _TAG.sub(words, text)
    return re.sub(r"\s+([;,])", r"\1", text).strip(" :;,")


def setting_for(key: str, description: str = "") -> Setting:
    """The documented setting of ``key``: its catalogue entry, or words from the key and the basis and citation of
    its description's first tag ([src …], [weak …], [derived …], [assumption …])."""
    if key in CATALOGUE:
        return CATALOGUE[key]
    names = [_words(segment) for segment in key.split(".")[1:]]
    text = description or ""
    first = _TAG.search(text)
    basis = {"src": "source", "weak": "source"}.get(first.group(1), first.group(1)) if first else "assumption"
    return Setting("".join(zh for zh, _ in names), " ".join(en for _, en in names if en),
                   basis, _cited(text, basis) or NO_SOURCE)


def _futures_text(futures) -> str:
    """Each future in words: name, weight, and what differs in it."""
    parts = []
    for future in futures:
        changes = "; ".join(f"{section}.{name} {_shown(value, _unit(name), name)}"
                            for section, values in future.changes.as_dict().items() for name, value in values.items())
        parts.append(f"{future.name}（权重 weight {future.weight:g}: {changes or '同中心情景 as the central future'}）")
    return " · ".join(parts)


def _leaves(prefix: str, model: BaseModel):
    """(dotted key, value, description) of every setting under ``model``; lists and maps stay one value."""
    for name, field in type(model).model_fields.items():
        value, key = getattr(model, name), f"{prefix}.{name}"
        if isinstance(value, BaseModel):
            yield from _leaves(key, value)
        else:
            yield key, value, field.description or ""


def _shown(value, unit: str, key: str = "") -> str:
    if value is None:
        return "无 none"
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if isinstance(value, (int, float)) and PERCENT_KEYS.search(key):
        return f"{100 * value:,.2f}".rstrip("0").rstrip(".") + " %"
    if isinstance(value, int):
        value = str(value) if re.search(r"(?<!per_)year$|seed$", key) else f"{value:,}"
    elif isinstance(value, float):
        value = f"{value:,.3f}".rstrip("0").rstrip(".")
    elif isinstance(value, (list, tuple)) and value and all(isinstance(v, BaseModel) and "year" in type(v).model_fields
                                                            for v in value):  # sorting.capture: shares by year
        value = " · ".join(f"{v.year}: " + ", ".join(f"{WORDS_ZH.get(name, name)} {name} {100 * share:g} %"
                                                     for name, share in v.model_dump().items() if name != "year")
                           for v in value)
    elif isinstance(value, (list, dict, tuple)):
        dumped = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value] \
            if isinstance(value, (list, tuple)) else value
        value = json.dumps(dumped, ensure_ascii=False).replace(".0,", ",").replace(".0]", "]") if dumped else "无 none"
    return f"{value} {unit}".strip()


def settings_in_use(scenario: Scenario) -> list[dict]:
    """One row per setting the run used: group, name in words, key, value with unit, basis, source or reason."""
    rows = []
    for section in GROUPS:
        model = getattr(scenario, section)
        if model is None or (section in NOT_IN_USE and NOT_IN_USE[section](scenario)):
            continue
        for key, value, description in _leaves(section, model):
            unset = value is None or (isinstance(value, (list, dict)) and not value)
            if key in SKIPPED_KEYS or (unset and key not in SHOWN_WHEN_UNSET) \
                    or (key in KEYS_NOT_IN_USE and KEYS_NOT_IN_USE[key](scenario)):
                continue
            entry = setting_for(key, description)
            note = entry.note
            if key == "uncertainty.futures":
                value = _futures_text(value)
            if key == "demand.calibration.source":
                value, note = str(value) or "—", "as given in the scenario"
            rows.append({"分组 group": GROUPS[section], "设置 setting": f"{entry.zh} {entry.en}", "键 key": key,
                         "取值 value": _shown(value, _unit(key), key), "依据 basis": BASIS_NAMES[entry.basis],
                         "来源或理由 source or reason": note})
    return rows


PARENT_NAMES = {  # settings that hold others, as error messages name them
    "policy.new_plants": "新建厂数量", "demand.msw_kg_per_capita_day": "人均产生量", "demand.collection_rate": "收运率",
    "demand.calibration": "需求校准", "uncertainty.futures": "情景", "sorting.capture": "分出率",
    "sorting.composition": "组分",
}


ITEM_FIELDS = {"weight": "权重", "changes": "改动", "name": "名称", "name_zh": "中文名", "name_en": "英文名"}  # a list item's


def key_label(key: str) -> str:
    """A scenario key's name in 中文 (e.g. 'policy.new_plants.min' → '新建厂最少数量',
    'uncertainty.futures.0.weight' → '情景第 1 项 权重'), for messages."""
    parts = key.split(".")
    index = next((i for i, part in enumerate(parts) if part.isdigit()), None)
    if index is not None:  # an item of a list: the list's name, the item's number from 1, the field's name
        rest = ".".join(parts[index + 1:])
        field = f" {ITEM_FIELDS.get(rest) or key_label(rest)}" if rest else ""
        return f"{key_label('.'.join(parts[:index]))}第 {int(parts[index]) + 1} 项{field}"
    if key in PARENT_NAMES:
        return PARENT_NAMES[key]
    if key in GROUPS:
        return GROUPS[key].split(" ")[0]
    return setting_for(key).zh
