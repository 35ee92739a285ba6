"""Demo licences (行政许可) and penalties (行政处罚) in the national field codes."""

from __future__ import annotations

import datetime as dt

from xinyong.demo import pools
from xinyong.demo.generator import DemoGenerator, DemoOrganisation, DemoPerson
from xinyong.departments.models import Department
from xinyong.subjects.states import SubjectKind

_LICENCE_DEPTS = {"食品": "市场监督管理局", "餐饮管理": "市场监督管理局", "医药": "市场监督管理局",
                  "建筑工程": "住房和城乡建设局", "房地产开发": "住房和城乡建设局", "物流": "交通运输局",
                  "环保科技": "生态环境局", "机械制造": "生态环境局", "化工": "应急管理局",
                  "旅行社": "文化广电和旅游局", "人力资源": "人力资源和社会保障局"}
_PENALTY_DEPTS = ("市场监督管理局", "生态环境局", "市场监督管理局", "市场监督管理局", "应急管理局",
                  "住房和城乡建设局", "市场监督管理局", "城市管理局")


def _department(depts: list[Department], suffix: str) -> Department:
    return next((d for d in depts if d.name.endswith(suffix)), depts[1])


def _category(org: DemoOrganisation) -> str:
    return SubjectKind.INDIVIDUAL_BUSINESS.value if org.kind_prefix == "92" else SubjectKind.LEGAL_PERSON.value


def licence_row(gen: DemoGenerator, org: DemoOrganisation, rep: DemoPerson, depts: list[Department],
                today: dt.date) -> tuple[Department, dict[str, object]]:
    """One 行政许可 about an organisation."""
    industry, licence = pools.INDUSTRIES[org.industry]
    dept = _department(depts, _LICENCE_DEPTS.get(industry, "市场监督管理局"))
    decided = gen.date_between(max(org.registered_on, dt.date(2019, 1, 1)), today - dt.timedelta(days=1))
    number = f"{dept.name[:2]}许字〔{decided.year}〕第{gen.rng.randrange(1, 99999):05d}号"
    data = {
        "XK_XDR_MC": org.name, "XK_XDR_LB": _category(org), "XK_XDR_SHXYM": org.uscc, "XK_FRDB": rep.name,
        "XK_XKWS": f"准予{licence.removesuffix('证').removesuffix('证书')}决定书", "XK_WSH": number,
        "XK_XKLB": "普通" if licence != "营业执照" else "登记", "XK_XKZS": licence,
        "XK_XKBH": f"{org.region_code}{decided:%Y}{gen.rng.randrange(10**6):06d}",
        "XK_NR": f"准予{org.name}取得{licence}", "XK_JDRQ": decided.isoformat(),
        "XK_YXQZ": decided.isoformat(), "XK_YXQZI": decided.replace(year=decided.year + 5, day=min(decided.day, 28)).isoformat(),
        "XK_XKJG": dept.name, "XK_XKJGDM": dept.uscc, "XK_ZT": "有效", "XK_LYDW": dept.name, "XK_LYDWDM": dept.uscc,
    }
    return dept, data


def penalty_row(gen: DemoGenerator, org: DemoOrganisation, rep: DemoPerson, depts: list[Department],
                today: dt.date) -> tuple[Department, dict[str, object]]:
    """One 行政处罚 about an organisation."""
    kind = gen.rng.randrange(len(pools.PENALTIES))
    category, act, content, fine_range = pools.PENALTIES[kind]
    dept = _department(depts, _PENALTY_DEPTS[kind])
    decided = gen.date_between(max(org.registered_on, today - dt.timedelta(days=3 * 365)), today - dt.timedelta(days=1))
    fine = round(gen.rng.uniform(*fine_range), 4) if fine_range else None
    number = f"{dept.name[:2]}罚字〔{decided.year}〕{gen.rng.randrange(1, 9999)}号"
    data = {
        "CF_XDR_MC": org.name, "CF_XDR_LB": _category(org), "CF_XDR_SHXYM": org.uscc, "CF_FRDB": rep.name,
        "CF_WSH": number, "CF_WFXW": act, "CF_SY": f"经查，当事人存在{act}的违法行为。",
        "CF_YJ": "依据《中华人民共和国行政处罚法》及相关法律法规", "CF_CFLB": category,
        "CF_NR": content.format(yuan=f"{fine * 10000:,.0f}") if fine is not None else content, "CF_JDRQ": decided.isoformat(),
        "CF_YXQ": (decided + dt.timedelta(days=365)).isoformat(), "CF_CFJG": dept.name, "CF_CFJGDM": dept.uscc,
        "CF_SJLY": dept.name, "CF_SJLYDM": dept.uscc,
    }
    if fine is not None:
        data["CF_NR_FK"] = f"{fine:.6f}"
    return dept, data
