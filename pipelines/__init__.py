"""tokenroi: what did our token spend buy?"""
